"""govinfo-xlsx: the annual government-information-disclosure report as a protected workbook.

Generate the template, read a filled workbook back, validate it, write the
narrative report and roll up many units' workbooks, all driven by the format
definition in ``workbook_templates/``.
"""

__version__ = "0.1.0"
