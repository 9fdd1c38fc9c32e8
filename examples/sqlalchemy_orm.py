"""SQLAlchemy 2 on Ignite: an engine from an ``ignite://`` URL, ORM classes, Ignite's table options,
sessions, reflection (needs ``pip install pyignite[sqlalchemy]``)."""

import datetime

from sqlalchemy import ForeignKey, String, create_engine, inspect, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

engine = create_engine('ignite://127.0.0.1:10800/PUBLIC')


class Base(DeclarativeBase):
    pass


class Department(Base):
    __tablename__ = 'department'
    # Ignite's CREATE TABLE ... WITH "template=replicated": a copy on every node
    __table_args__ = {'ignite_template': 'replicated'}

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(50))
    staff: Mapped[list['Employee']] = relationship(back_populates='department', order_by='Employee.id')


class Employee(Base):
    __tablename__ = 'employee'
    __table_args__ = {'ignite_backups': 1}

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)  # Ignite has no autoincrement
    name: Mapped[str] = mapped_column(String(50))
    hired: Mapped[datetime.date]
    department_id: Mapped[int] = mapped_column(ForeignKey('department.id'))  # for the ORM: Ignite has no FKs
    department: Mapped[Department] = relationship(back_populates='staff')


Base.metadata.drop_all(engine)
Base.metadata.create_all(engine)

with Session(engine) as session:
    research = Department(id=1, name='Research')
    research.staff = [
        Employee(id=10, name='Grace', hired=datetime.date(2020, 3, 1)),
        Employee(id=11, name='Alan', hired=datetime.date(2021, 6, 15)),
    ]
    session.add_all([research, Department(id=2, name='Sales')])
    session.commit()

with Session(engine) as session:
    dept = session.get(Department, 1)
    print(dept.name, [e.name for e in dept.staff])
    alan = session.get(Employee, 11)
    alan.department = session.get(Department, 2)
    session.delete(session.get(Employee, 10))
    session.commit()

    query = select(Employee.name, Department.name).join(Employee.department).order_by(Employee.id)
    print(session.execute(query).all())

inspector = inspect(engine)
print([c['name'] for c in inspector.get_columns('employee')])
print(inspector.get_pk_constraint('employee')['constrained_columns'])

Base.metadata.drop_all(engine)
