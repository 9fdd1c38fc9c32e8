"""pandas on Ignite: ``DataFrame.to_sql`` and ``pd.read_sql`` through the SQLAlchemy engine, and the
fast column-wise ``pyignite.dbapi.read_frame`` (needs ``pip install pyignite[pandas,sqlalchemy]``)."""

import pandas as pd
import sqlalchemy as sa

from pyignite import dbapi

engine = sa.create_engine('ignite://127.0.0.1:10800/PUBLIC')

# Ignite tables need a primary key, which to_sql cannot declare: make the table first
metadata = sa.MetaData()
sa.Table(
    'reading', metadata,
    sa.Column('id', sa.Integer, primary_key=True, autoincrement=False),
    sa.Column('sensor', sa.String(10)),
    sa.Column('value', sa.Float),
    sa.Column('ok', sa.Boolean),
    sa.Column('at', sa.DateTime),
)
metadata.drop_all(engine)
metadata.create_all(engine)

frame = pd.DataFrame({
    'id': range(1000),
    'sensor': [f's{i % 4}' for i in range(1000)],
    'value': [i * 0.5 for i in range(1000)],
    'ok': [i % 10 != 0 for i in range(1000)],
    'at': pd.date_range('2024-01-01', periods=1000, freq='min'),
})
frame.to_sql('reading', engine, if_exists='append', index=False, method='multi', chunksize=500)

summary = pd.read_sql('SELECT sensor, COUNT(*) AS n, AVG(value) AS mean FROM reading GROUP BY sensor ORDER BY sensor',
                      engine)
print(summary.to_string(index=False))

# the fast path: columns built page by page, no tuple per row
with dbapi.connect(host='127.0.0.1', port=10800) as conn:
    cur = conn.cursor()
    cur.execute('SELECT id, sensor, value, ok, at FROM reading ORDER BY id')
    df = dbapi.read_frame(cur, index='ID')
print(len(df), df.dtypes.astype(str).to_dict())
print(df.loc[999].to_dict())

metadata.drop_all(engine)
