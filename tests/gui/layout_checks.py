"""Whether text in a shown widget is cut off: labels, buttons, check boxes, drop-downs, header sections.

Elided text is easy to miss in an offscreen run (shared/QT_ON_DEBIAN.md); these compare what each
text needs (its font's advance) with the room its widget gives it. Imported by the GUI tests as
`from layout_checks import cut_off_texts` (pytest puts tests/gui on the path).
"""

from PySide6.QtCore import Qt


def cut_off_texts(root) -> list[str]:
    """The texts under `root` (a shown widget) that do not fit the room they have, one line each."""
    from PySide6.QtWidgets import QAbstractButton, QComboBox, QLabel, QTableView

    def shown(kind):
        return [w for w in root.findChildren(kind) if w.isVisibleTo(root)]

    problems = [_label_problem(label) for label in shown(QLabel) if label.text()]
    problems += [_button_problem(button) for button in shown(QAbstractButton) if button.text()]
    problems += [
        f"drop-down {combo.currentText()!r}: {combo.width()} px, needs {combo.minimumSizeHint().width()}"
        for combo in shown(QComboBox)
        if combo.width() < combo.minimumSizeHint().width()
    ]
    for table in shown(QTableView):
        problems += _header_problems(table)
    return [problem for problem in problems if problem]


def _advance(widget, text: str) -> int:
    return max((widget.fontMetrics().horizontalAdvance(line) for line in text.split("\n")), default=0)


def _label_problem(label) -> str:
    room = label.contentsRect()
    if label.wordWrap():
        needed = label.heightForWidth(room.width())
        return f"label {label.text()!r}: {room.height()} px high, needs {needed}" if room.height() < needed - 1 else ""
    needed = _advance(label, label.text())
    return f"label {label.text()!r}: {room.width()} px, needs {needed}" if room.width() < needed else ""


def _button_problem(button) -> str:
    from PySide6.QtWidgets import QCheckBox, QRadioButton, QStyle, QStyleOptionButton

    option = QStyleOptionButton()
    option.initFrom(button)
    option.text = button.text()
    is_check = isinstance(button, QCheckBox | QRadioButton)
    element = QStyle.SubElement.SE_CheckBoxContents if is_check else QStyle.SubElement.SE_PushButtonContents
    room = button.style().subElementRect(element, option, button).width()
    text = button.text().replace("&", "")
    needed = _advance(button, text)
    return f"button {text!r}: {room} px for the text, needs {needed}" if room < needed else ""


def _header_problems(table) -> list[str]:
    header = table.horizontalHeader()
    problems = []
    for column in range(header.count()):
        if table.isColumnHidden(column):
            continue
        from PySide6.QtGui import QFontMetrics

        model = table.model()
        text = str(model.headerData(column, Qt.Orientation.Horizontal) or "")
        font = model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.FontRole) or header.font()
        needed = QFontMetrics(font).horizontalAdvance(text) + 8  # the section's margins
        if header.sectionSize(column) < needed:
            problems.append(f"header {text!r}: {header.sectionSize(column)} px, needs {needed}")
    return problems
