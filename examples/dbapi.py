"""PEP 249 (DB-API 2.0): connect, execute with ``?`` parameters, executemany, fetch, errors.

``pyignite.dbapi`` is a standard DB-API driver on top of the client: anything written for DB-API
drivers works with it. Statements commit as they run (Ignite SQL has no transactions over the thin
protocol), so ``commit()`` has nothing to do.
"""

import datetime
import decimal

from pyignite import dbapi

with dbapi.connect(host='127.0.0.1', port=10800) as conn:
    cur = conn.cursor()
    cur.execute('DROP TABLE IF EXISTS Payment')
    cur.execute(
        'CREATE TABLE Payment (id INT PRIMARY KEY, payer VARCHAR NOT NULL, amount DECIMAL(10, 2), paid TIMESTAMP) '
        'WITH "template=replicated"'
    )

    # executemany: sent as multi-row INSERTs (1000 rows per round trip), not one statement per row
    payers = ['ann', 'bob', 'cid']
    rows = [
        (i, payers[i % 3], decimal.Decimal(i) / 4, datetime.datetime(2024, 1, 1) + datetime.timedelta(hours=i))
        for i in range(1, 3001)
    ]
    cur.executemany('INSERT INTO Payment (id, payer, amount, paid) VALUES (?, ?, ?, ?)', rows)
    print('inserted:', cur.rowcount)

    cur.execute('SELECT payer, COUNT(*), SUM(amount) FROM Payment GROUP BY payer ORDER BY payer')
    print('columns:', [d[0] for d in cur.description])
    for payer, count, total in cur:
        print(payer, count, total)

    cur.execute('SELECT id, paid FROM Payment WHERE amount > ? ORDER BY id', [decimal.Decimal('749.5')])
    print(cur.fetchone())
    print(cur.fetchmany(2), cur.rowcount)

    cur.execute('UPDATE Payment SET amount = amount * 2 WHERE payer = ?', ['ann'])
    print('updated:', cur.rowcount)

    # server errors arrive as the PEP 249 exceptions
    try:
        cur.execute("INSERT INTO Payment (id, payer) VALUES (1, 'dup')")
    except dbapi.IntegrityError as exc:
        print('IntegrityError, SQL state', exc.sqlstate)
    try:
        cur.execute('SELEKT 1')
    except dbapi.ProgrammingError as exc:
        print('ProgrammingError, SQL state', exc.sqlstate)

    cur.execute('DROP TABLE Payment')
