"""A small sample of the public "world" dataset (countries, cities, languages) for ``sql.py``.

Three countries -- the United States, India and China -- with their largest cities (every city
that ranks among the ten most populated of the three, plus others below them), each capital, and a
few languages. Rows follow the column order of the ``INSERT`` statements in ``sql.py``.
"""

from decimal import Decimal

COUNTRY_TABLE_NAME = 'Country'
CITY_TABLE_NAME = 'City'
LANGUAGE_TABLE_NAME = 'CountryLanguage'

# Code, Name, Continent, Region, SurfaceArea, IndepYear, Population, LifeExpectancy, GNP, GNPOld,
# LocalName, GovernmentForm, HeadOfState, Capital, Code2
COUNTRY_DATA = [
    [
        'USA', 'United States', 'North America', 'North America',
        Decimal('9363520.00'), 1776, 278357000, Decimal('77.1'),
        Decimal('8510700.00'), Decimal('8110900.00'), 'United States',
        'Federal Republic', 'George W. Bush', 3813, 'US',
    ],
    [
        'IND', 'India', 'Asia', 'Southern and Central Asia',
        Decimal('3287263.00'), 1947, 1013662000, Decimal('62.5'),
        Decimal('447114.00'), Decimal('430572.00'), 'Bharat/India',
        'Federal Republic', 'Kocheril Raman Narayanan', 1109, 'IN',
    ],
    [
        'CHN', 'China', 'Asia', 'Eastern Asia',
        Decimal('9572900.00'), -1523, 1277558000, Decimal('71.4'),
        Decimal('982268.00'), Decimal('917719.00'), 'Zhongquo',
        "People'sRepublic", 'Jiang Zemin', 1891, 'CN',
    ],
]

# ID, Name, CountryCode, District, Population
CITY_DATA = [
    [1024, 'Mumbai (Bombay)', 'IND', 'Maharashtra', 10500000],
    [1025, 'Delhi', 'IND', 'Delhi', 7206704],
    [1026, 'Calcutta [Kolkata]', 'IND', 'West Bengali', 4399819],
    [1027, 'Chennai (Madras)', 'IND', 'Tamil Nadu', 3841396],
    [1028, 'Hyderabad', 'IND', 'Andhra Pradesh', 2964638],
    [1029, 'Ahmedabad', 'IND', 'Gujarat', 2876710],
    [1030, 'Bangalore', 'IND', 'Karnataka', 2660088],
    [1031, 'Kanpur', 'IND', 'Uttar Pradesh', 1874409],
    [1032, 'Nagpur', 'IND', 'Maharashtra', 1624752],
    [1033, 'Lucknow', 'IND', 'Uttar Pradesh', 1619115],
    [1034, 'Pune', 'IND', 'Maharashtra', 1566651],
    [1035, 'Surat', 'IND', 'Gujarat', 1498817],
    [1036, 'Jaipur', 'IND', 'Rajasthan', 1458483],
    [1109, 'New Delhi', 'IND', 'Delhi', 301297],
    [1890, 'Shanghai', 'CHN', 'Shanghai', 9696300],
    [1891, 'Peking', 'CHN', 'Peking', 7472000],
    [1892, 'Chongqing', 'CHN', 'Chongqing', 6351600],
    [1893, 'Tianjin', 'CHN', 'Tianjin', 5286800],
    [1894, 'Wuhan', 'CHN', 'Hubei', 4344600],
    [1895, 'Harbin', 'CHN', 'Heilongjiang', 4289800],
    [1896, 'Shenyang', 'CHN', 'Liaoning', 4265200],
    [1897, 'Kanton [Guangzhou]', 'CHN', 'Guangdong', 4256300],
    [1898, 'Chengdu', 'CHN', 'Sichuan', 3361500],
    [1899, 'Nanking [Nanjing]', 'CHN', 'Jiangsu', 2870300],
    [1900, 'Changchun', 'CHN', 'Jilin', 2812000],
    [1901, 'Xi\u00b4an', 'CHN', 'Shaanxi', 2761400],
    [1902, 'Dalian', 'CHN', 'Liaoning', 2697000],
    [1903, 'Qingdao', 'CHN', 'Shandong', 2596000],
    [1904, 'Jinan', 'CHN', 'Shandong', 2278100],
    [1905, 'Hangzhou', 'CHN', 'Zhejiang', 2190500],
    [3793, 'New York', 'USA', 'New York', 8008278],
    [3794, 'Los Angeles', 'USA', 'California', 3694820],
    [3795, 'Chicago', 'USA', 'Illinois', 2896016],
    [3796, 'Houston', 'USA', 'Texas', 1953631],
    [3797, 'Philadelphia', 'USA', 'Pennsylvania', 1517550],
    [3798, 'Phoenix', 'USA', 'Arizona', 1321045],
    [3799, 'San Diego', 'USA', 'California', 1223400],
    [3800, 'Dallas', 'USA', 'Texas', 1188580],
    [3801, 'San Antonio', 'USA', 'Texas', 1144646],
    [3802, 'Detroit', 'USA', 'Michigan', 951270],
    [3803, 'San Jose', 'USA', 'California', 894943],
    [3804, 'Indianapolis', 'USA', 'Indiana', 791926],
    [3805, 'San Francisco', 'USA', 'California', 776733],
    [3813, 'Washington', 'USA', 'District of Columbia', 572059],
]

# CountryCode, Language, IsOfficial, Percentage
LANGUAGE_DATA = [
    ['USA', 'English', True, Decimal('86.2')],
    ['USA', 'Spanish', False, Decimal('7.5')],
    ['USA', 'French', False, Decimal('0.7')],
    ['USA', 'German', False, Decimal('0.7')],
    ['USA', 'Chinese', False, Decimal('0.6')],
    ['USA', 'Italian', False, Decimal('0.6')],
    ['IND', 'Hindi', True, Decimal('39.9')],
    ['IND', 'Bengali', False, Decimal('8.2')],
    ['IND', 'Telugu', False, Decimal('7.8')],
    ['IND', 'Marathi', False, Decimal('7.4')],
    ['IND', 'Tamil', False, Decimal('6.3')],
    ['IND', 'Urdu', False, Decimal('5.1')],
    ['CHN', 'Chinese', True, Decimal('92.0')],
    ['CHN', 'Zhuang', False, Decimal('1.4')],
    ['CHN', 'Mantšu', False, Decimal('0.9')],
    ['CHN', 'Hui', False, Decimal('0.8')],
    ['CHN', 'Miao', False, Decimal('0.7')],
    ['CHN', 'Uighur', False, Decimal('0.6')],
]
