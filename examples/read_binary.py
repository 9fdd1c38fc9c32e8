"""Reading Complex objects: the rows of an SQL table (the specification's read_binary.py, 3.3.1).

Ignite SQL stores every row as a Complex object: the key fields in one binary type, the other fields in
another. This example creates the tables of sql.py again and reads the City table's storage with
key-value functions (a scan), not with SQL.
"""

from helpers.world_data import CITY_DATA

from pyignite import Client
from pyignite.datatypes.prop_codes import PROP_NAME, PROP_QUERY_ENTITIES

client = Client()
client.connect('127.0.0.1', 10800)

for query in [
    """CREATE TABLE Country (
        Code CHAR(3) PRIMARY KEY, Name CHAR(52), Continent CHAR(50), Region CHAR(26),
        SurfaceArea DECIMAL(10, 2), IndepYear SMALLINT(6), Population INT(11), LifeExpectancy DECIMAL(3, 1),
        GNP DECIMAL(10, 2), GNPOld DECIMAL(10, 2), LocalName CHAR(45), GovernmentForm CHAR(45),
        HeadOfState CHAR(60), Capital INT(11), Code2 CHAR(2)
    )""",
    """CREATE TABLE City (
        ID INT(11), Name CHAR(35), CountryCode CHAR(3), District CHAR(20), Population INT(11),
        PRIMARY KEY (ID, CountryCode)
    ) WITH "affinityKey=CountryCode\"""",
    """CREATE TABLE CountryLanguage (
        CountryCode CHAR(3), Language CHAR(30), IsOfficial BOOLEAN, Percentage DECIMAL(4, 1),
        PRIMARY KEY (CountryCode, Language)
    ) WITH "affinityKey=CountryCode\"""",
]:
    client.sql(query)

for row in CITY_DATA:
    client.sql(
        'INSERT INTO City(ID, Name, CountryCode, District, Population) VALUES (?, ?, ?, ?, ?)',
        query_args=row,
    )

# Ignite created a cache for each table, named 'SQL_<schema name>_<table name>'
result = client.get_cache_names()
print(sorted(name for name in result if name.startswith('SQL_PUBLIC_')))
# ['SQL_PUBLIC_CITY', 'SQL_PUBLIC_COUNTRY', 'SQL_PUBLIC_COUNTRYLANGUAGE']

city_cache = client.get_or_create_cache('SQL_PUBLIC_CITY')
print(city_cache.settings[PROP_NAME])
# SQL_PUBLIC_CITY

print(city_cache.settings[PROP_QUERY_ENTITIES])
# [{
#     'table_name': 'CITY',
#     'key_field_name': None,
#     'key_type_name': 'SQL_PUBLIC_CITY_9ac8e17a_2f99_45b7_958e_06da32882e9d_KEY',
#     'value_field_name': None,
#     'value_type_name': 'SQL_PUBLIC_CITY_9ac8e17a_2f99_45b7_958e_06da32882e9d',
#     'field_name_aliases': [...],
#     'query_fields': [...],
#     'query_indexes': [...]
# }]

query_entity = city_cache.settings[PROP_QUERY_ENTITIES][0]
print(query_entity['table_name'])
# CITY
print(query_entity['key_type_name'])
# SQL_PUBLIC_CITY_9ac8e17a_2f99_45b7_958e_06da32882e9d_KEY
print(query_entity['value_type_name'])
# SQL_PUBLIC_CITY_9ac8e17a_2f99_45b7_958e_06da32882e9d
print([field['name'] for field in query_entity['query_fields']])
# ['ID', 'NAME', 'COUNTRYCODE', 'DISTRICT', 'POPULATION']

# key and value are Complex objects; their classes are generated and named after their types
result = city_cache.scan()
print(next(result))
# (
#     SQL_PUBLIC_CITY_6fe650e1_700f_4e74_867d_58f52f433c43_KEY(
#         ID=1890,
#         COUNTRYCODE='CHN',
#         version=1
#     ),
#     SQL_PUBLIC_CITY_6fe650e1_700f_4e74_867d_58f52f433c43(
#         NAME='Shanghai',
#         DISTRICT='Shanghai',
#         POPULATION=9696300,
#         version=1
#     )
# )
result.close()

# every row read this way is the same as what SQL returns
rows = {(key.ID, key.COUNTRYCODE): (value.NAME, value.DISTRICT, value.POPULATION) for key, value in city_cache.scan()}
sql_rows = {
    (row[0], row[2]): (row[1], row[3], row[4])
    for row in client.sql('SELECT ID, Name, CountryCode, District, Population FROM City')
}
print(len(rows), rows == sql_rows)
# 44 True

for table_name in ['City', 'CountryLanguage', 'Country']:
    client.sql(f'DROP TABLE {table_name} IF EXISTS')

client.close()
