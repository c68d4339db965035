"""One problem of an imported file (row, column, value and the message, worded in any language),
or of the file as a whole."""

from dataclasses import dataclass, field

from inscrm.validators import Invalid


@dataclass
class Problem:
    row: int
    column: str
    value: str
    message: str
    params: dict = field(default_factory=dict)
    words: tuple = ()  # params that are msgids themselves (a reason in words), translated too

    def text(self, translate=lambda message: message):
        if not self.params:
            return translate(self.message)
        params = {k: translate(v) if k in self.words else v for k, v in self.params.items()}
        return translate(self.message) % params

    def detail(self, translate=lambda message: message):
        """column id_number, value '330…': The check digit of this ID number is wrong."""
        parts = []
        if self.column:
            parts.append(f"column {self.column}")
        if self.value != "":
            value = str(self.value)
            parts.append(f"value '{value if len(value) <= 40 else value[:39] + '…'}'")
        text = self.text(translate)
        return f"{', '.join(parts)}: {text}" if parts else text

    def line(self, file, translate=lambda message: message):
        """customers.csv row 7, column id_number, value '330…': The check digit … is wrong."""
        detail = self.detail(translate)
        separator = ", " if self.column or self.value != "" else ": "
        return f"{file} row {self.row}{separator}{detail}"


class FileProblem(Invalid):
    """The file as a whole cannot be read as an import table."""
