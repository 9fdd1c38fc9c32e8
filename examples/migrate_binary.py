"""Migrating Complex objects to a new schema (the specification's migrate_binary.py, 3.3.3).

The task: rename ``date`` to ``expense_date``, add ``report_date`` (today if ``reported``, else None),
delete ``reported``. First the accounting app's existing data is stored, as it would have been.
"""

from collections import OrderedDict
from datetime import date
from decimal import Decimal

from pyignite import Client, GenericObjectMeta
from pyignite.datatypes import BoolObject, DateObject, DecimalObject, LongObject, String


class ExpenseVoucher(
    metaclass=GenericObjectMeta,
    schema=OrderedDict([
        ('date', DateObject),
        ('reported', BoolObject),
        ('purpose', String),
        ('sum', DecimalObject),
        ('recipient', String),
        ('cashier_id', LongObject),
    ]),
):
    pass


old_data = [
    (1, ExpenseVoucher(
        date=date(2017, 9, 21), reported=True, purpose='Praesent eget fermentum massa',
        sum=Decimal('666.67'), recipient='John Doe', cashier_id=8,
    )),
    (2, ExpenseVoucher(
        date=date(2017, 10, 7), reported=False, purpose='Proin in bibendum nulla',
        sum=Decimal('333.33'), recipient='Jane Roe', cashier_id=9,
    )),
    (3, ExpenseVoucher(
        date=date(2017, 10, 19), reported=True, purpose='Integer vitae sem ut odio',
        sum=Decimal('1200.00'), recipient='Joe Bloggs', cashier_id=8,
    )),
]

client = Client()
client.connect('127.0.0.1', 10800)

accounting = client.get_or_create_cache('accounting')
accounting.put_all(dict(old_data))

# If you do not store the schema of the Complex object in code, you can obtain it as a dataclass
# property with query_binary_type()
data_classes = client.query_binary_type('ExpenseVoucher')
print(data_classes)
# {
#     -231598180: <class '__main__.ExpenseVoucher'>
# }

# (the specification takes data_classes.popitem(): the same on a fresh cluster, where the type has one
# schema; picking the stored vouchers' schema keeps the example right when it is run again)
data_class = data_classes[ExpenseVoucher.schema_id]
schema = data_class.schema

# modify the schema and create a new Complex object class with it
schema['expense_date'] = schema['date']
del schema['date']
schema['report_date'] = DateObject
del schema['reported']
schema['sum'] = DecimalObject


# define new data class
class ExpenseVoucherV2(
    metaclass=GenericObjectMeta,
    type_name='ExpenseVoucher',
    schema=schema,
):
    pass


def migrate(cache, data, new_class):
    """ Migrate given data pages. """
    for key, old_value in data:
        # read data
        print(old_value)
        # ExpenseVoucher(
        #     date=datetime(2017, 9, 21, 0, 0),
        #     reported=True,
        #     purpose='Praesent eget fermentum massa',
        #     sum=Decimal('666.67'),
        #     recipient='John Doe',
        #     cashier_id=8,
        #     version=1
        # )

        # create new binary object
        new_value = new_class()

        # process data
        new_value.sum = old_value.sum
        new_value.purpose = old_value.purpose
        new_value.recipient = old_value.recipient
        new_value.cashier_id = old_value.cashier_id
        new_value.expense_date = old_value.date
        new_value.report_date = date.today() if old_value.reported else None

        # replace data
        cache.put(key, new_value)

        # verify data
        verify = cache.get(key)
        print(verify)
        # ExpenseVoucherV2(
        #     purpose='Praesent eget fermentum massa',
        #     sum=Decimal('666.67'),
        #     recipient='John Doe',
        #     cashier_id=8,
        #     expense_date=datetime(2017, 9, 21, 0, 0),
        #     report_date=datetime(2018, 8, 29, 0, 0),
        #     version=1,
        # )


# migrate data (a scan returns entries in no particular order: sorted by key here, for the output)
result = accounting.scan()
migrate(accounting, sorted(result, key=lambda entry: entry[0]), ExpenseVoucherV2)

# both schemas stay registered in the cluster
print(sorted(client.query_binary_type('ExpenseVoucher').items()))
# [(-231598180, <class '__main__.ExpenseVoucher'>), (..., <class '__main__.ExpenseVoucherV2'>)]

# cleanup
accounting.destroy()
client.close()
