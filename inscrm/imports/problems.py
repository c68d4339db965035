"""One problem of an imported file (row, column, value and the message, worded in any language),
or of the file as a whole.

A problem keeps its msgid and figures, not a sentence: the page, the error report and the CLI
word it in their reader's language, the words "row", "column" and "value" included."""

from dataclasses import dataclass, field

from inscrm.i18n import N_
from inscrm.validators import Invalid

VALUE_SHOWN = 40  # characters of a cell's value quoted in a problem

# The report's header rows (see load.Report), lower case as the English report always had them.
ERROR_HEADER = (N_("file"), N_("row"), N_("column"), N_("value"), N_("problem"))
REJECTED_FIRST, REJECTED_LAST = N_("row"), N_("reason")
# The source of references an import uses unless told (the core system), in the reader's words;
# other sources are names the office gave, shown as given.
REF_SOURCES = {"core": N_("core")}


def _same(message):
    return message


@dataclass
class Problem:
    row: int
    column: str
    value: str
    message: str
    params: dict = field(default_factory=dict)
    words: tuple = ()  # params that are msgids themselves (a reason in words), translated too

    def text(self, translate=_same):
        if not self.params:
            return translate(self.message)
        return translate(self.message) % {k: self._param(k, v, translate)
                                          for k, v in self.params.items()}

    def _param(self, key, value, translate):
        if key in self.words:
            return translate(value)
        if key == "source" and value in REF_SOURCES:
            return translate(REF_SOURCES[value])
        return value

    def quoted_value(self):
        value = str(self.value)
        return value if len(value) <= VALUE_SHOWN else value[:VALUE_SHOWN - 1] + "…"

    def detail(self, translate=_same, columns=None):
        """column id_number, value '330…': The check digit of this ID number is wrong.

        `columns` names the columns in the reader's language (证件号码), else by their code."""
        text = self.text(translate)
        has_value = self.value != ""
        if self.column and has_value:
            message = N_("column %(column)s, value '%(value)s': %(text)s")
        elif self.column:
            message = N_("column %(column)s: %(text)s")
        elif has_value:
            message = N_("value '%(value)s': %(text)s")
        else:
            return text
        column = (columns or {}).get(self.column, self.column)
        return translate(message) % {"column": column, "value": self.quoted_value(),
                                     "text": text}

    def line(self, file, translate=_same, columns=None):
        """customers.csv row 7, column id_number, value '330…': The check digit … is wrong."""
        if self.column or self.value != "":
            message = N_("%(file)s row %(row)s, %(detail)s")
        else:
            message = N_("%(file)s row %(row)s: %(detail)s")
        return translate(message) % {"file": file, "row": self.row,
                                     "detail": self.detail(translate, columns)}


class FileProblem(Invalid):
    """The file as a whole cannot be read as an import table."""
