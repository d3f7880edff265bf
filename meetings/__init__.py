"""会议一件事 (meetings): the domain logic, on plain data
(no SQL, no HTTP); the running parts are in
:mod:`twin.meetings`."""

__all__: list[str] = []
