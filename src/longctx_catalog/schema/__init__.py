"""The record format, declared once.

Each field of a record is one :class:`~.fields.Field` in :data:`.fields.RECORD_FIELDS`:
its name, a small *spec* object that checks and normalises the value, the kinds of
record it applies to, and its documentation. From that one table we derive
validation (:func:`.checks.check_record`), the JSON Schema for editors
(:func:`.derived.json_schema`), the field reference for contributors
(:func:`.derived.field_rows`) and the canonical field order in which tools write
records (:data:`.derived.FIELD_ORDER`).

- :mod:`.context`: what a check needs (:class:`~.context.Ctx`, today) and how it words a problem;
- :mod:`.specs`: specs of single values; :mod:`.structures`: of lists, mappings and authors;
- :mod:`.fields`: the vocabularies and the field table;
- :mod:`.derived`: what is derived from the table;
- :mod:`.checks`: checks of a record file, the taxonomy and the metrics matrix.

Specs never raise on bad data: they report a located diagnostic and return
:data:`~.context.INVALID`, so one file can yield every one of its problems at once.
"""
