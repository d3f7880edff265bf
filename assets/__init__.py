"""公物仓 (the shared asset pool): the domain logic, on plain data (no SQL, no HTTP); the running
parts are in :mod:`twin.assets`.

Modules: :mod:`assets.choices` (states and their transition table, classes, request kinds),
:mod:`assets.register` (book values, codes, the transition check), :mod:`assets.approvals`
(TOML approval chains), :mod:`assets.reservations` (availability calendar),
:mod:`assets.circulation` (loan rules, reminders), :mod:`assets.insight` (idle, utilisation,
lead times), :mod:`assets.audits` (盘点 discrepancies), :mod:`assets.importing` (CSV/XLSX and the
model's furniture).
"""

__all__: list[str] = []
