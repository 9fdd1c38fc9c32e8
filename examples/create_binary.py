"""Creating a table with key-value functions only (the specification's create_binary.py, 3.3.2).

A rough equivalent of::

    CREATE TABLE Student (sid CHAR(9), name VARCHAR(20), login CHAR(8), age INTEGER(11), gpa REAL)

made of a cache with a query entity and a Complex object class for its rows.
"""

from collections import OrderedDict

from pyignite import Client, GenericObjectMeta
from pyignite.datatypes import DoubleObject, IntObject, String
from pyignite.datatypes.prop_codes import PROP_NAME, PROP_QUERY_ENTITIES, PROP_SQL_SCHEMA
from pyignite.exceptions import SQLError

client = Client()
client.connect('127.0.0.1', 10800)

# 1. Create table cache.
student_cache = client.create_cache({
    PROP_NAME: 'SQL_PUBLIC_STUDENT',
    PROP_SQL_SCHEMA: 'PUBLIC',
    PROP_QUERY_ENTITIES: [
        {
            'table_name': 'Student'.upper(),
            'key_field_name': 'SID',
            'key_type_name': 'java.lang.Integer',
            'field_name_aliases': [],
            'query_fields': [
                {
                    'name': 'SID',
                    'type_name': 'java.lang.Integer',
                    'is_key_field': True,
                    'is_notnull_constraint_field': True,
                },
                {
                    'name': 'NAME',
                    'type_name': 'java.lang.String',
                },
                {
                    'name': 'LOGIN',
                    'type_name': 'java.lang.String',
                },
                {
                    'name': 'AGE',
                    'type_name': 'java.lang.Integer',
                },
                {
                    'name': 'GPA',
                    # (the specification's listing says java.math.Double, a class that does not exist)
                    'type_name': 'java.lang.Double',
                },
            ],
            'query_indexes': [],
            'value_type_name': 'SQL_PUBLIC_STUDENT_TYPE',
            'value_field_name': None,
        },
    ],
})


# 2. Define Complex object data class.
class Student(
    metaclass=GenericObjectMeta,
    type_name='SQL_PUBLIC_STUDENT_TYPE',
    schema=OrderedDict([
        ('NAME', String),
        ('LOGIN', String),
        ('AGE', IntObject),
        ('GPA', DoubleObject),
    ])
):
    pass


# 3. Insert row.
student_cache.put(
    1,
    Student(LOGIN='jdoe', NAME='John Doe', AGE=17, GPA=4.25),
    key_hint=IntObject
)

# Now let us make sure that our cache really can be used with SQL functions.
result = client.sql(
    r'SELECT * FROM Student',
    include_field_names=True
)
print(next(result))
# ['SID', 'NAME', 'LOGIN', 'AGE', 'GPA']

print(*result)
# [1, 'John Doe', 'jdoe', 17, 4.25]

# Note, however, that the cache we create can not be dropped with DDL command.
try:
    client.sql('DROP TABLE Student')
except SQLError as exc:
    print('DROP TABLE failed:', 'Only cache created with CREATE TABLE may be removed with DROP TABLE' in str(exc))
# DROP TABLE failed: True

# It should be deleted as any other key-value cache.
student_cache.destroy()
client.close()
