"""The one catalogue of problems shown to clerks and teachers.

Every problem has a stable code, a Vietnamese title, a message template and a hint on how to fix
it. Setup checks, sheet validation and diff flags all report through :class:`Report`, which
collects every problem instead of stopping at the first.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class ProblemKind:
    code: str
    title: str
    template: str
    hint: str
    severity: Severity = Severity.ERROR
    tags: frozenset[str] = frozenset()


def _kinds(*kinds: ProblemKind) -> dict[str, ProblemKind]:
    return {k.code: k for k in kinds}


CATALOGUE: dict[str, ProblemKind] = _kinds(
    # --- the workbook as a file
    ProblemKind(
        "file-unreadable",
        "Không đọc được tệp",
        "không mở được tệp Excel ({detail})",
        "Mở tệp bằng Excel, chọn Lưu dưới dạng «Sổ làm việc Excel (*.xlsx)» rồi gửi lại.",
        tags=frozenset({"unreadable"}),
    ),
    ProblemKind(
        "file-wrong-format",
        "Tệp không phải dạng .xlsx",
        "tệp có đuôi {value}, không phải bảng điểm Excel (.xlsx) đã phát",
        "Mở tệp bảng điểm đã phát trong thư mục «Sổ điểm», nhập điểm rồi lưu đúng dạng "
        "«Sổ làm việc Excel (*.xlsx)»; không lưu thành .xls, .ods hay .csv.",
        tags=frozenset({"unreadable"}),
    ),
    ProblemKind(
        "file-link",
        "Tệp là lối tắt",
        "tệp là lối tắt (liên kết) hoặc trỏ ra ngoài thư mục nộp nên không được đọc",
        "Chép chính tệp bảng điểm (không phải lối tắt) vào thư mục «Nộp».",
        tags=frozenset({"unreadable"}),
    ),
    ProblemKind(
        "file-check-failed",
        "Không kiểm tra được tệp",
        "chương trình gặp lỗi khi đọc, kiểm tra tệp ({detail}); tệp chưa được nhận",
        "Lưu lại tệp từ bản đã phát trong thư mục «Sổ điểm» rồi gửi lại; nếu vẫn bị trả lại, "
        "báo văn phòng (lỗi đã được ghi vào nhật ký).",
        tags=frozenset({"unreadable"}),
    ),
    # --- hostile workbooks, refused before any parser opens them (io/zip_guard.py, issue 11);
    # tagged "unreadable": no red-marked copy is made from such a file
    ProblemKind(
        "file-too-large",
        "Tệp quá lớn",
        "{detail}, vượt giới hạn {limit} MB; một bảng do nhà trường phát chỉ nặng vài chục KB",
        "Lưu lại tệp từ mẫu gốc trong thư mục «Sổ điểm» của thầy/cô: chỉ nhập điểm, không dán "
        "hình ảnh hay dữ liệu từ tệp khác, rồi gửi lại.",
        tags=frozenset({"unreadable"}),
    ),
    ProblemKind(
        "file-compression-suspicious",
        "Tệp nén bất thường",
        "{detail} nén tới {ratio} lần (giới hạn {limit} lần), trong khi bảng do nhà trường phát "
        "chỉ nén khoảng 5–12 lần; tệp như vậy thường được tạo ra để làm treo máy",
        "Lưu lại tệp từ mẫu gốc trong thư mục «Sổ điểm» của thầy/cô bằng Excel hoặc "
        "LibreOffice rồi gửi lại; nếu thầy/cô không tạo tệp này, báo văn phòng.",
        tags=frozenset({"unreadable"}),
    ),
    ProblemKind(
        "file-too-many-parts",
        "Tệp có quá nhiều thành phần",
        "tệp gồm {count} thành phần, vượt giới hạn {limit}; bảng do nhà trường phát chỉ có "
        "khoảng 10–20 thành phần",
        "Lưu lại tệp từ mẫu gốc trong thư mục «Sổ điểm» của thầy/cô: không chèn hình ảnh, biểu "
        "đồ hay trang tính mới, rồi gửi lại.",
        tags=frozenset({"unreadable"}),
    ),
    ProblemKind(
        "file-xml-dtd",
        "Tệp chứa khai báo không an toàn",
        "phần «{part}» của tệp có khai báo DTD hoặc thực thể (<!DOCTYPE, <!ENTITY) mà Excel và "
        "LibreOffice không bao giờ ghi; tệp bị từ chối để bảo vệ máy chủ",
        "Mở tệp mẫu gốc trong thư mục «Sổ điểm» bằng Excel hoặc LibreOffice, chép điểm sang, "
        "lưu rồi gửi lại; không sửa tệp bằng công cụ khác.",
        tags=frozenset({"unreadable"}),
    ),
    ProblemKind(
        "file-active-content",
        "Tệp chứa macro, liên kết ngoài hoặc đối tượng nhúng",
        "tệp chứa {found} (phần «{part}»); bảng do nhà trường phát không bao giờ có những thành "
        "phần này",
        "Lưu lại tệp từ mẫu gốc dưới dạng «Sổ làm việc Excel (*.xlsx)», không phải .xlsm; khi "
        "chép điểm từ tệp khác, dùng «Dán đặc biệt» → «Giá trị» để không kéo theo liên kết "
        "ngoài hay đối tượng nhúng.",
        tags=frozenset({"unreadable"}),
    ),
    ProblemKind(
        "file-dimension",
        "Trang tính vượt quá khổ bảng",
        "trang tính {detail}, vượt quá {max_rows} dòng hoặc {max_cols} cột; bảng do nhà trường "
        "phát chỉ dùng vài chục đến vài trăm dòng",
        "Xoá các dòng, cột thừa bên dưới và bên phải bảng (chọn các dòng thừa, bấm chuột phải, "
        "chọn Xoá), hoặc chép điểm sang tệp mẫu gốc, lưu rồi gửi lại.",
        tags=frozenset({"unreadable"}),
    ),
    ProblemKind(
        "sheet-missing",
        "Thiếu trang tính",
        "thiếu trang tính «{sheet}»",
        "Dùng tệp mẫu gốc; không xoá hay đổi tên các trang tính.",
    ),
    ProblemKind(
        "field-missing",
        "Thiếu dòng thông tin",
        "thiếu dòng «{column}»",
        "Chép lại dòng này từ tệp mẫu, ghi nhãn ở cột A và giá trị ở cột B.",
    ),
    ProblemKind(
        "column-missing",
        "Thiếu cột",
        "thiếu cột «{column}» ở dòng tiêu đề {row}",
        "Không xoá, đổi tên hay chèn dòng phía trên dòng tiêu đề; chép lại tiêu đề từ tệp mẫu.",
    ),
    # --- single values
    ProblemKind(
        "value-required",
        "Thiếu dữ liệu",
        "chưa nhập {column}",
        "Nhập giá trị vào ô này, hoặc xoá hẳn cả dòng nếu dòng thừa.",
    ),
    ProblemKind(
        "value-not-integer",
        "Không phải số nguyên dương",
        "«{value}» không phải số nguyên dương",
        "Nhập một số nguyên lớn hơn 0, ví dụ 35.",
    ),
    ProblemKind(
        "value-out-of-range",
        "Giá trị ngoài khoảng",
        "«{value}» phải nằm trong khoảng {low}–{high}",
        "Sửa lại giá trị cho đúng khoảng cho phép.",
    ),
    ProblemKind(
        "value-not-date",
        "Ngày không hợp lệ",
        "«{value}» không phải ngày hợp lệ",
        "Nhập ngày dạng ngày/tháng/năm, ví dụ 05/09/2025.",
    ),
    ProblemKind(
        "value-not-allowed",
        "Giá trị không thuộc danh mục",
        "«{value}» không thuộc danh mục cho phép ({allowed})",
        "Chọn một giá trị trong danh sách thả xuống của ô.",
    ),
    ProblemKind(
        "value-bad-format",
        "Sai định dạng",
        "«{value}» sai định dạng: {expected}",
        "Sửa lại theo đúng định dạng được nêu.",
    ),
    ProblemKind(
        "duplicate-key",
        "Trùng mã",
        "{column} «{value}» bị trùng với dòng {other_row}",
        "Mỗi mã chỉ được xuất hiện một lần; sửa hoặc xoá một trong hai dòng.",
    ),
    # --- cross references in the school setup
    ProblemKind(
        "unknown-teacher",
        "Giáo viên không có trong danh sách",
        "mã giáo viên «{value}» không có trong trang «Giáo viên»",
        "Thêm giáo viên vào trang «Giáo viên» hoặc sửa lại mã cho đúng.",
    ),
    ProblemKind(
        "unknown-class",
        "Lớp không có trong danh sách",
        "lớp «{value}» không có trong trang «Lớp»",
        "Thêm lớp vào trang «Lớp» hoặc sửa lại tên lớp cho đúng.",
    ),
    ProblemKind(
        "unknown-student",
        "Học sinh không có trong danh sách",
        "mã học sinh «{value}» không có trong trang «Học sinh»",
        "Sửa lại mã học sinh cho đúng với trang «Học sinh».",
    ),
    # --- a setup changed mid-year against what is already entered (setup_impact.py)
    ProblemKind(
        "impact-student-removed",
        "Học sinh đã có điểm bị xóa khỏi danh sách",
        "học sinh {student} (lớp {class_code}) có {count} ô đã nhập nhưng không còn trong trang "
        "«Học sinh»: các ô vẫn được giữ trong sổ điểm nhưng không hiện trong sổ tổng hợp, sổ in",
        "Học sinh chuyển trường hay thôi học vẫn cần điểm đã có trong sổ in: giữ em trong danh "
        "sách đến hết năm học và ghi «Chuyển đi» hoặc «Thôi học» ở trang «Biến động»; chỉ xóa "
        "khi nhập nhầm.",
        Severity.WARNING,
    ),
    ProblemKind(
        "impact-student-moved",
        "Học sinh đã có điểm chuyển lớp",
        "học sinh {student} chuyển từ lớp {old} sang lớp {new}: {count} ô đã nhập ở lớp {old} vẫn "
        "thuộc lớp {old} trong sổ điểm, không chuyển theo em và không hiện trong sổ tổng hợp lớp "
        "{new}",
        "Ghi việc chuyển lớp vào trang «Biến động» (lớp cũ, lớp mới, từ ngày): điểm đã có vẫn "
        "thuộc lớp cũ và hiện trong sổ của lớp cũ, cả năm vẫn được tính; rồi phát lại bảng điểm "
        "cho cả hai lớp (wbe templates issue).",
        Severity.WARNING,
    ),
    ProblemKind(
        "impact-class-removed",
        "Lớp đã có điểm bị xóa",
        "lớp {class_code} có {count} ô đã nhập nhưng không còn trong trang «Lớp»",
        "Giữ lớp đến hết năm học: các ô vẫn trong sổ điểm nhưng không hiện trong sổ tổng hợp, sổ "
        "in.",
        Severity.WARNING,
    ),
    ProblemKind(
        "impact-teacher-replaced",
        "Đổi giáo viên dạy",
        "{subject} lớp {class_code}: {old} được thay bằng {new}; {count} ô đã nhập vẫn ghi là "
        "của {old} trong nhật ký",
        "Từ nay chỉ giáo viên mới được nộp bảng này (bản đã phát cho giáo viên cũ bị trả lại): "
        "phát bảng cho giáo viên mới bằng wbe templates issue --teacher <mã>.",
        Severity.WARNING,
    ),
    ProblemKind(
        "impact-columns-dropped",
        "Bớt cột điểm đã có điểm",
        "{subject}: số cột TX giảm từ {old} còn {new}; các cột bị bỏ đã có điểm: {columns}; các ô "
        "này không còn được tính vào điểm trung bình",
        "Kiểm tra lại số tiết/năm của môn; nếu đúng, các ô vẫn được giữ trong sổ điểm và nhật ký.",
        Severity.WARNING,
    ),
    ProblemKind(
        "impact-columns-changed",
        "Đổi số cột điểm",
        "{subject}: số cột TX đổi từ {old} thành {new}",
        "Phát lại bảng điểm (wbe templates issue) để giáo viên có đúng số cột; điểm đã nhập được "
        "chép sang bản mới.",
        Severity.WARNING,
    ),
    ProblemKind(
        "impact-subject-removed",
        "Môn đã có điểm bị xóa",
        "{subject} có {count} ô đã nhập nhưng không còn trong trang «Môn học»",
        "Giữ môn đến hết năm học; các ô vẫn được giữ trong sổ điểm.",
        Severity.WARNING,
    ),
    ProblemKind(
        "impact-exempt-with-values",
        "Miễn môn đã có điểm",
        "học sinh {student} được miễn toàn phần môn {subject} nhưng đã có {count} ô điểm: các ô "
        "này không còn được tính",
        "Kiểm tra lại quyết định miễn; các ô vẫn được giữ trong sổ điểm.",
        Severity.WARNING,
    ),
    ProblemKind(
        "unknown-subject",
        "Môn học không có trong danh sách",
        "môn «{value}» không được khai báo cho khối {grade} trong trang «Môn học»",
        "Khai báo môn cho khối này trong trang «Môn học» hoặc sửa lại mã môn.",
    ),
    # --- primary school (grades 1–5, Circular 27; issue 15)
    ProblemKind(
        "class-outside-school-level",
        "Lớp không thuộc cấp học của trường",
        "lớp «{value}» thuộc khối {grade} ({expected}) nhưng cấp học của trường là «{level}»",
        "Khối 1–5 là tiểu học (Thông tư 27), khối 6–9 là THCS (Thông tư 22). Sửa lại khối của "
        "lớp, hoặc sửa «Cấp học» ở trang «Thông tin trường» (trường có cả hai cấp chọn «Tiểu học "
        "và THCS»).",
    ),
    ProblemKind(
        "primary-subject-unknown",
        "Môn không có trong chương trình tiểu học",
        "môn «{value}» không có trong chương trình khối {grade} (Thông tư 27); mã môn của khối "
        "{grade}: {allowed}",
        "Dùng đúng mã môn tiểu học của khối (ví dụ TV: Tiếng Việt, TOAN: Toán, TNXH: Tự nhiên và "
        "Xã hội, HDTN: Hoạt động trải nghiệm); tên môn và số tiết nhà trường được sửa.",
    ),
    ProblemKind(
        "primary-subject-scored",
        "Môn tiểu học ghi hình thức «Điểm số»",
        "môn «{value}» của khối {grade} ghi hình thức «Điểm số»; ở tiểu học môn học được đánh giá "
        "bằng mức (T, H, C) và nhận xét",
        "Chọn «Nhận xét» cho mọi môn khối 1–5. Môn có bài kiểm tra định kì vẫn có cột điểm kiểm "
        "tra (số nguyên 0–10) trên bảng của Thông tư 27, không cần chọn «Điểm số» ở đây; điểm "
        "kiểm tra không thay cho mức đánh giá.",
    ),
    ProblemKind(
        "class-without-homeroom",
        "Lớp chưa có giáo viên chủ nhiệm",
        "lớp «{key}» chưa có giáo viên chủ nhiệm",
        "Nhập mã giáo viên chủ nhiệm của lớp.",
    ),
    ProblemKind(
        "homeroom-twice",
        "Một giáo viên chủ nhiệm hai lớp",
        "giáo viên «{value}» đã chủ nhiệm lớp {other}",
        "Mỗi giáo viên chỉ chủ nhiệm một lớp; sửa lại giáo viên chủ nhiệm.",
        Severity.WARNING,
    ),
    ProblemKind(
        "dates-reversed",
        "Ngày kết thúc trước ngày bắt đầu",
        "ngày kết thúc {end} trước ngày bắt đầu {start}",
        "Sửa lại «Từ ngày» hoặc «Đến ngày».",
    ),
    ProblemKind(
        "semesters-overlap",
        "Hai học kì chồng lên nhau",
        "học kì {value} ({start}–{end}) chồng lên học kì {other} ({other_start}–{other_end})",
        "Học kì sau phải bắt đầu sau ngày kết thúc học kì trước.",
    ),
    ProblemKind(
        "semester-missing",
        "Thiếu học kì",
        "chưa khai báo học kì {value}",
        "Khai báo đủ học kì 1 và học kì 2 kèm ngày bắt đầu, ngày kết thúc.",
    ),
    ProblemKind(
        "date-outside-school-year",
        "Ngày nằm ngoài năm học",
        "ngày {value} nằm ngoài năm học ({start}–{end})",
        "Kiểm tra lại năm của ngày đã nhập.",
    ),
    ProblemKind(
        "username-shared",
        "Tên người dùng dùng chung",
        "tên người dùng «{value}» cũng là của giáo viên {other} (máy dùng chung); tên này chỉ "
        "được ghi lại để đối chiếu, ai gửi tệp được biết từ thư mục nộp",
        "Không cần sửa nếu hai thầy/cô dùng chung một máy.",
        Severity.WARNING,
    ),
    ProblemKind(
        "assignment-duplicate",
        "Phân công trùng",
        "lớp {class_code} môn {subject} đã phân công cho giáo viên {other} (dòng {other_row})",
        "Mỗi lớp, mỗi môn chỉ do một giáo viên phụ trách; xoá dòng thừa.",
    ),
    ProblemKind(
        "assignment-missing",
        "Môn chưa phân công",
        "lớp {class_code} chưa có giáo viên dạy môn {subject}",
        "Thêm một dòng phân công cho lớp và môn này.",
        Severity.WARNING,
    ),
    ProblemKind(
        "class-empty",
        "Lớp chưa có học sinh",
        "lớp «{value}» chưa có học sinh nào",
        "Nhập danh sách học sinh của lớp trong trang «Học sinh».",
        Severity.WARNING,
    ),
    ProblemKind(
        "movement-class-missing",
        "Thiếu lớp của biến động",
        "biến động «{kind}» của học sinh {student} cần ghi {column}",
        "«Chuyển lớp»: ghi cả lớp cũ và lớp mới; «Chuyển đi», «Thôi học»: ghi lớp cũ.",
    ),
    ProblemKind(
        "movement-same-class",
        "Chuyển lớp sang chính lớp đó",
        "học sinh {student} chuyển từ lớp {value} sang chính lớp {value}",
        "Sửa lại lớp cũ hoặc lớp mới cho đúng.",
    ),
    ProblemKind(
        "movement-not-in-school",
        "Học sinh chưa (hoặc không còn) học ở trường",
        "ngày {day}, học sinh {student} không học ở trường (theo các dòng biến động trước) nên "
        "không thể «{kind}»",
        "Kiểm tra thứ tự và ngày của các biến động của học sinh; học sinh chuyển đến phải có "
        "dòng «Chuyển đến» trước.",
    ),
    ProblemKind(
        "movement-already-in-school",
        "Học sinh đang học ở trường",
        "ngày {day}, học sinh {student} đang học lớp {value} nên không thể «Chuyển đến»",
        "Dùng «Chuyển lớp» để chuyển giữa hai lớp của trường; «Chuyển đến» chỉ dành cho học "
        "sinh từ trường khác.",
    ),
    ProblemKind(
        "movement-wrong-class",
        "Lớp cũ không đúng",
        "ngày {day}, học sinh {student} đang học lớp {expected}, không phải lớp {value}",
        "Sửa «Lớp cũ» cho đúng lớp học sinh đang học trước ngày chuyển.",
    ),
    ProblemKind(
        "movement-roster-mismatch",
        "Lớp trong danh sách khác biến động",
        "sau các biến động, học sinh {student} ở lớp {value} nhưng trang «Học sinh» ghi lớp "
        "{roster}",
        "Ở trang «Học sinh», ghi lớp hiện tại của học sinh (lớp cuối cùng nếu đã rời trường); "
        "giữ học sinh trong danh sách đến hết năm học.",
    ),
    ProblemKind(
        "role-missing",
        "Thiếu vai trò bắt buộc",
        "trường chưa có {value}",
        "Khai báo ít nhất một giáo viên/cán bộ có vai trò này trong trang «Giáo viên».",
    ),
)

# --- filled sheets dropped into the inbox ------------------------------------------------------
SHEET_KINDS = _kinds(
    ProblemKind(
        "template-missing",
        "Không phải mẫu của nhà trường",
        "tệp không có trang nhận dạng của mẫu do nhà trường phát",
        "Nhập điểm vào đúng tệp mẫu đã được phát trong thư mục của thầy/cô, không tạo tệp mới.",
        tags=frozenset({"identity"}),
    ),
    ProblemKind(
        "template-tampered",
        "Mẫu đã bị sửa",
        "trang nhận dạng của mẫu đã bị thay đổi hoặc không khớp chữ ký của trường",
        "Lấy lại tệp mẫu gốc trong thư mục của thầy/cô, chép điểm sang rồi gửi lại.",
        tags=frozenset({"identity"}),
    ),
    ProblemKind(
        "template-version",
        "Mẫu cũ không còn dùng",
        "mẫu phiên bản {value} không còn được hỗ trợ",
        "Dùng tệp mẫu mới nhất trong thư mục của thầy/cô.",
        tags=frozenset({"identity"}),
    ),
    ProblemKind(
        "template-other-school",
        "Mẫu của trường hoặc năm học khác",
        "mẫu thuộc {value}, không phải {expected}",
        "Dùng tệp mẫu của năm học hiện tại trong thư mục của thầy/cô.",
        tags=frozenset({"identity"}),
    ),
    ProblemKind(
        "sheet-kind-unsupported",
        "Loại mẫu chưa được nhận",
        "mẫu loại «{value}» chưa được hộp thư nhận tự động",
        "Gửi tệp này cho văn thư để nhập tay.",
    ),
    ProblemKind(
        "not-assigned",
        "Không được phân công",
        "giáo viên {teacher} không được phân công dạy môn {subject} lớp {class_code}",
        "Chỉ gửi bảng điểm của lớp, môn được phân công; báo văn thư nếu phân công thay đổi.",
        tags=frozenset({"unauthorised"}),
    ),
    ProblemKind(
        "not-homeroom",
        "Không phải giáo viên chủ nhiệm",
        "giáo viên {teacher} không phải giáo viên chủ nhiệm lớp {class_code}",
        "Chỉ giáo viên chủ nhiệm gửi điểm danh, rèn luyện của lớp mình; báo văn thư nếu "
        "phân công chủ nhiệm thay đổi.",
        tags=frozenset({"unauthorised"}),
    ),
    ProblemKind(
        "teacher-folder-mismatch",
        "Gửi vào thư mục của giáo viên khác",
        "mẫu phát cho giáo viên {teacher} nhưng được gửi vào thư mục {folder}",
        "Gửi tệp vào thư mục của chính giáo viên được phân công.",
        tags=frozenset({"unauthorised"}),
    ),
    ProblemKind(
        "saved-by-other",
        "Tên người lưu tệp khác tên đã khai",
        "tệp được lưu lần cuối với tên người dùng «{value}», không phải tên đã khai của giáo "
        "viên {teacher}; tệp vẫn được nhận vì được gửi từ thư mục của giáo viên",
        "Không cần làm gì. Máy dùng chung thường ghi «Admin»; văn thư có thể khai thêm tên này "
        "ở trang «Giáo viên» của tệp thiết lập.",
        Severity.WARNING,
    ),
    ProblemKind(
        "saved-by-other-refused",
        "Người lưu tệp không phải giáo viên được phân công",
        "tệp được lưu lần cuối bởi «{value}», không phải tên người dùng của giáo viên {teacher}",
        "Trường đã bật «Trả lại tệp do người khác lưu»: nếu đúng là thầy/cô lưu tệp trên máy "
        "khác, báo văn thư thêm tên người dùng đó, rồi gửi lại.",
        tags=frozenset({"unauthorised"}),
    ),
    ProblemKind(
        "decision-wrong-folder",
        "Phê duyệt không gửi từ thư mục Duyệt của người duyệt",
        "phiếu có ý kiến phê duyệt (người duyệt: {teacher}) nhưng được gửi từ {folder}; chỉ "
        "phê duyệt gửi từ thư mục «Duyệt» của chính người duyệt mới có hiệu lực. Hiệu trưởng "
        "được báo việc này",
        "Giáo viên gửi phiếu đề nghị (để trống ba cột phê duyệt) vào thư mục «Nộp» của mình; "
        "người duyệt ghi ý kiến rồi đặt phiếu vào thư mục «Duyệt» của mình.",
        tags=frozenset({"unauthorised"}),
    ),
    ProblemKind(
        "request-decided",
        "Đề nghị đã được quyết định",
        "đề nghị số {value} đã được {teacher} quyết định trước đó ({decision}); ý kiến ở dòng "
        "này không được áp dụng",
        "Không cần làm gì; muốn đổi quyết định, giáo viên gửi đề nghị sửa điểm mới.",
        Severity.WARNING,
    ),
    ProblemKind(
        "decision-other-approver",
        "Phê duyệt thay người khác",
        "phiếu ghi người phê duyệt {value} nhưng được gửi từ thư mục «Duyệt» của {teacher}. "
        "Hiệu trưởng được báo việc này",
        "Mỗi người duyệt chỉ ghi ý kiến của chính mình và gửi từ thư mục «Duyệt» của mình.",
        tags=frozenset({"unauthorised"}),
    ),
    ProblemKind(
        "saved-by-unknown",
        "Không rõ người lưu tệp",
        "tệp không ghi tên người lưu lần cuối nên không đối chiếu được với giáo viên {teacher}",
        "Mở tệp bằng Excel hoặc LibreOffice trên máy của thầy/cô, lưu lại rồi gửi.",
        Severity.WARNING,
    ),
    ProblemKind(
        "roster-changed",
        "Danh sách học sinh bị thay đổi",
        "dòng này phải là học sinh {expected} nhưng tệp ghi {value}",
        "Không sửa, xoá, chèn hay sắp xếp lại danh sách học sinh; báo GVCN nếu danh sách sai.",
        tags=frozenset({"unauthorised"}),
    ),
    ProblemKind(
        "roster-row-added",
        "Thêm học sinh vào danh sách",
        "dòng {row} có học sinh «{value}» không có trong danh sách được phát",
        "Xoá dòng đã thêm; học sinh mới do văn thư thêm vào tệp thiết lập.",
        tags=frozenset({"unauthorised"}),
    ),
    ProblemKind(
        "roster-row-removed",
        "Thiếu học sinh trong danh sách",
        "thiếu học sinh {expected}",
        "Dùng lại tệp mẫu gốc; không xoá dòng học sinh.",
        tags=frozenset({"unauthorised"}),
    ),
    ProblemKind(
        "semester-not-started",
        "Học kì chưa bắt đầu",
        "bảng của học kì {semester} chỉ nhận từ ngày {start}",
        "Kiểm tra đã mở đúng tệp của học kì đang học (tên tệp có HK1 hoặc HK2) rồi gửi lại.",
    ),
    ProblemKind(
        "formula-in-input",
        "Công thức trong ô nhập điểm",
        "ô nhập chứa công thức «{value}» thay vì giá trị",
        "Xoá công thức, gõ thẳng điểm (ví dụ 8,5) vào ô rồi gửi lại.",
    ),
    ProblemKind(
        "cells-merged",
        "Ô bị gộp trong bảng",
        "các ô {value} bị gộp (Merge) trong bảng; một giá trị không thể thuộc nhiều ô",
        "Chọn các ô đó và bỏ gộp (nút Merge & Center trên thẻ Home), hoặc dùng lại tệp mẫu gốc.",
        tags=frozenset({"unauthorised"}),
    ),
    ProblemKind(
        "title-mismatch",
        "Tiêu đề bảng không khớp với mẫu",
        "tiêu đề trang ghi «{value}» nhưng mẫu đã phát cho tệp này là «{expected}»; dữ liệu "
        "không được nhận",
        "Dùng đúng tệp mẫu đã phát cho lớp và môn này (không chép trang ẩn hay tiêu đề từ tệp "
        "khác); nếu trường vừa đổi tên môn, xin văn phòng phát lại mẫu.",
        tags=frozenset({"identity"}),
    ),
    ProblemKind(
        "column-changed",
        "Cột điểm bị thay đổi",
        "tiêu đề cột phải là «{expected}» nhưng tệp ghi «{value}»",
        "Không chèn, xoá hay đổi tên cột điểm; dùng lại tệp mẫu gốc.",
        tags=frozenset({"unauthorised"}),
    ),
    ProblemKind(
        "formula-changed",
        "Công thức tính điểm bị sửa",
        "ô tính tự động đã bị sửa (tệp ghi «{value}»)",
        "Không nhập vào cột ĐTBmhk/Kết quả; chép lại công thức từ tệp mẫu gốc.",
        tags=frozenset({"unauthorised"}),
    ),
    ProblemKind(
        "score-not-a-number",
        "Điểm không phải số",
        "«{value}» không phải điểm số",
        "Nhập điểm từ 0 đến 10, ví dụ 8 hoặc 8,5; để trống nếu chưa đánh giá.",
    ),
    ProblemKind(
        "score-out-of-range",
        "Điểm ngoài khoảng 0–10",
        "điểm {value} ngoài khoảng 0–10",
        "Nhập điểm từ 0 đến 10 (có thể thầy/cô gõ thiếu dấu phẩy, ví dụ 85 thay cho 8,5).",
    ),
    ProblemKind(
        "score-too-many-decimals",
        "Điểm có quá một chữ số thập phân",
        "điểm {value} có quá một chữ số thập phân",
        "Điểm là số nguyên hoặc có một chữ số thập phân, ví dụ 7,5.",
    ),
    ProblemKind(
        "comment-invalid",
        "Đánh giá nhận xét không hợp lệ",
        "«{value}» không phải Đ hoặc CĐ",
        "Chọn Đ (Đạt) hoặc CĐ (Chưa đạt) trong danh sách thả xuống.",
    ),
    ProblemKind(
        "mark-invalid",
        "Kí hiệu điểm danh không hợp lệ",
        "«{value}» không phải kí hiệu điểm danh (chỉ ghi {expected})",
        "Ghi P (nghỉ có phép) hoặc K (nghỉ không phép); để trống nếu học sinh đi học.",
    ),
    ProblemKind(
        "primary-subject-level-invalid",
        "Mức đánh giá môn học không hợp lệ",
        "«{value}» không phải mức đánh giá môn học (chỉ ghi T, H hoặc C)",
        "Môn học ghi T (Hoàn thành tốt), H (Hoàn thành) hoặc C (Chưa hoàn thành); chữ Đ chỉ "
        "dùng cho phẩm chất, năng lực.",
    ),
    ProblemKind(
        "primary-quality-level-invalid",
        "Mức đánh giá phẩm chất, năng lực không hợp lệ",
        "«{value}» không phải mức đánh giá phẩm chất, năng lực (chỉ ghi T, Đ hoặc C)",
        "Phẩm chất, năng lực ghi T (Tốt), Đ (Đạt) hoặc C (Cần cố gắng); chữ H chỉ dùng cho "
        "môn học.",
    ),
    ProblemKind(
        "primary-test-score-not-a-number",
        "Điểm kiểm tra không phải là số",
        "«{value}» không phải điểm bài kiểm tra định kì",
        "Ghi một số nguyên từ 0 đến 10; để trống nếu học sinh chưa kiểm tra.",
    ),
    ProblemKind(
        "primary-test-score-not-integer",
        "Điểm kiểm tra có phần thập phân",
        "điểm kiểm tra {value} có phần thập phân: ở tiểu học điểm bài kiểm tra định kì là số "
        "nguyên",
        "Ghi điểm nguyên từ 0 đến 10 (không làm tròn thành 8,5; ghi 8 hoặc 9 theo bài).",
    ),
    ProblemKind(
        "primary-supplementary-invalid",
        "Kết quả đánh giá bổ sung không hợp lệ",
        "«{value}» không phải kết quả đánh giá bổ sung (chỉ chọn {expected})",
        "Chọn «Hoàn thành» hoặc «Chưa hoàn thành» trong danh sách thả xuống của ô.",
    ),
    ProblemKind(
        "results-primary-not-undecided",
        "Học sinh không chờ Hiệu trưởng quyết định",
        "lớp {class_code}: {pupils} không thuộc diện Hiệu trưởng xét cho lên lớp (đã hoàn thành, "
        "hoặc không phải học sinh chưa hoàn thành sau đánh giá bổ sung)",
        "Chỉ ghi --promote cho học sinh còn «Chưa hoàn thành» sau đánh giá bổ sung.",
    ),
    ProblemKind(
        "results-primary-year-only",
        "Lớp tiểu học chỉ duyệt kết quả cuối năm",
        "lớp {class_code} là lớp tiểu học: kết quả chỉ được đánh giá và duyệt vào cuối năm học",
        "Duyệt lớp tiểu học bằng --year (cả năm), sau khi giáo viên đã gửi đủ bảng cuối năm; "
        "sau đánh giá bổ sung, bằng --summer (và --promote cho học sinh được lên lớp).",
    ),
    ProblemKind(
        "primary-no-test",
        "Môn này không có bài kiểm tra ở thời điểm này",
        "ô xám «Điểm KT» có giá trị «{value}» nhưng môn này không có bài kiểm tra định kì ở "
        "thời điểm đánh giá của bảng",
        "Xoá điểm trong ô xám. Kiểm tra định kì giữa học kì chỉ có ở lớp 4, 5 (Tiếng Việt, "
        "Toán); cuối học kì I và cuối năm ở các môn có bài kiểm tra.",
    ),
    ProblemKind(
        "primary-test-score-out-of-range",
        "Điểm kiểm tra ngoài khoảng 0–10",
        "điểm kiểm tra {value} ngoài khoảng 0–10",
        "Ghi một số nguyên từ 0 đến 10.",
    ),
    ProblemKind(
        "primary-exemplary-invalid",
        "Ô «Học sinh Tiêu biểu» không hợp lệ",
        "«{value}» không phải lựa chọn của ô «Học sinh Tiêu biểu» (chỉ chọn {expected})",
        "Chọn «Có» trong danh sách thả xuống khi đề nghị khen thưởng học sinh Tiêu biểu; để "
        "trống hoặc chọn «Không» nếu không đề nghị.",
    ),
    ProblemKind(
        "primary-exemplary-not-good",
        "Đề nghị Học sinh Tiêu biểu cho học sinh chưa Hoàn thành tốt",
        "học sinh {student} được đề nghị «Học sinh Tiêu biểu» nhưng {detail}, nên không đạt "
        "Hoàn thành tốt; danh hiệu này chỉ xét cho học sinh Hoàn thành tốt",
        "Xoá «Có» ở ô này, hoặc xem lại mức các phẩm chất, năng lực của học sinh trên cùng dòng. "
        "Học sinh Hoàn thành xuất sắc được khen «Học sinh Xuất sắc», không cần đề nghị.",
    ),
    ProblemKind(
        "primary-level-score-mismatch",
        "Mức đánh giá và điểm kiểm tra có vẻ không khớp",
        "{detail}; bảng vẫn được nhận",
        "Mức đạt được là nhận định của giáo viên, không suy ra từ điểm: nếu mức đã đúng thì "
        "không cần sửa; nếu gõ nhầm mức hoặc điểm, sửa rồi gửi lại bảng.",
        Severity.WARNING,
    ),
    ProblemKind(
        "level-invalid",
        "Mức đánh giá không hợp lệ",
        "«{value}» không phải mức đánh giá (chỉ chọn {expected})",
        "Chọn một mức trong danh sách thả xuống của ô.",
    ),
    ProblemKind(
        "cell-closed",
        "Nhập vào ô không được nhập",
        "ô này không được nhập (ngày nghỉ hoặc ngoài học kì) nhưng có giá trị «{value}»",
        "Xoá giá trị trong ô xám; chỉ ghi vào các ngày học của học kì.",
    ),
    ProblemKind(
        "exempt-cell-filled",
        "Nhập điểm cho học sinh được miễn",
        "học sinh {student} được miễn môn này nhưng ô có giá trị «{value}»",
        "Xoá giá trị trong ô; học sinh được miễn không có điểm môn này.",
    ),
    ProblemKind(
        "note-too-long",
        "Nhận xét quá dài",
        "nhận xét dài {value} kí tự, tối đa {high}",
        "Rút gọn nhận xét.",
    ),
    ProblemKind(
        "period-locked",
        "Sổ đã khóa",
        "học kì {semester} đã khóa sổ từ ngày {start}: không nhận thay đổi",
        "Nếu cần sửa điểm, làm phiếu đề nghị sửa điểm để Hiệu trưởng duyệt.",
        tags=frozenset({"unauthorised"}),
    ),
    ProblemKind(
        "request-unknown-student",
        "Học sinh không thuộc lớp",
        "học sinh «{value}» không có trong lớp {class_code}",
        "Ghi đúng mã học sinh và lớp như trong bảng điểm.",
    ),
    ProblemKind(
        "request-column",
        "Cột điểm không có trong môn",
        "môn {subject} lớp {class_code} không có cột «{value}» (các cột: {allowed})",
        "Chọn cột điểm trong danh sách thả xuống.",
    ),
    ProblemKind(
        "request-old-mismatch",
        "Điểm cũ không khớp",
        "điểm cũ ghi «{value}» nhưng điểm đang lưu là «{expected}»",
        "Ghi đúng điểm đang lưu (xem bảng điểm tổng hợp) rồi gửi lại.",
    ),
    ProblemKind(
        "request-unchanged",
        "Điểm mới trùng điểm cũ",
        "điểm mới «{value}» giống điểm đang lưu",
        "Xoá dòng này nếu không cần sửa.",
    ),
    ProblemKind(
        "request-duplicate",
        "Đề nghị trùng",
        "dòng này lặp lại đề nghị ở dòng {other_row} (cùng học sinh, môn, cột điểm)",
        "Mỗi ô điểm chỉ đề nghị một lần trên một phiếu; xoá dòng thừa.",
    ),
    ProblemKind(
        "request-conflict",
        "Không áp dụng được đề nghị",
        "{value}",
        "Kiểm tra lại phiếu với bảng điểm tổng hợp mới nhất rồi gửi lại.",
    ),
    ProblemKind(
        "approver-not-allowed",
        "Người phê duyệt không có quyền",
        "«{value}» không phải Hiệu trưởng, cũng không phải Phó hiệu trưởng được Hiệu trưởng "
        "ủy quyền duyệt sửa điểm",
        "Ghi mã hoặc họ tên của Hiệu trưởng, hoặc của Phó hiệu trưởng đã được Hiệu trưởng ủy "
        "quyền duyệt sửa điểm.",
    ),
    ProblemKind(
        "stale-copy",
        "Bản của thầy/cô đã cũ",
        "{count} ô vẫn giữ giá trị cũ đã được duyệt sửa (ví dụ {example}); "
        "các ô này không bị ghi đè",
        "Chép các giá trị mới trong biên nhận vào bản của thầy/cô trước lần gửi sau.",
        Severity.WARNING,
    ),
    # a sheet issued before the class's roster changed (issue 14): pipeline/roster_change.py
    ProblemKind(
        "student-left-class",
        "Học sinh không còn trong lớp",
        "học sinh {student} {where} sau khi bảng được phát: các ô của dòng {row} không được "
        "nhận vào lớp {class_code}",
        "Điểm đã nhận trước đây của học sinh này vẫn được giữ; từ nay nhập điểm vào bản phát lại "
        "theo danh sách lớp mới trong thư mục «Sổ điểm».",
        Severity.WARNING,
    ),
    ProblemKind(
        "student-missing-from-sheet",
        "Bảng thiếu học sinh mới của lớp",
        "lớp {class_code} có {count} học sinh mới không có trong bảng này: {students}",
        "Nhập điểm của các học sinh này vào bản phát lại theo danh sách lớp mới trong thư mục "
        "«Sổ điểm».",
        Severity.WARNING,
    ),
    ProblemKind(
        "roster-outdated",
        "Bảng phát theo danh sách lớp cũ",
        "bảng này được phát trước khi danh sách học sinh lớp {class_code} thay đổi; {next}",
        "Điểm của các học sinh còn trong lớp đã được nhận. Không gửi lại bản cũ: dùng bản phát "
        "lại trong thư mục «Sổ điểm» (chưa có thì báo văn phòng phát lại).",
        Severity.WARNING,
    ),
    ProblemKind(
        "attendance-late",
        "Xác nhận điểm danh muộn",
        "điểm danh tháng {month} được xác nhận sau hạn {deadline}: các buổi nghỉ có phép (P) của "
        "tháng này được tính là nghỉ không phép (K)",
        "Tệp vẫn được nhận; lần sau thầy/cô gửi điểm danh trong hạn xác nhận (lịch của trường).",
        Severity.WARNING,
        tags=frozenset({"late"}),
    ),
    ProblemKind(
        "attendance-added-late",
        "Thêm điểm danh sau hạn xác nhận",
        "{count} ô điểm danh tháng {month} được thêm sau hạn xác nhận {deadline}: chờ Hiệu trưởng "
        "duyệt như sửa điểm",
        "Gửi phiếu đề nghị sửa điểm nêu lí do (giấy phép, minh chứng); các ô này chỉ được ghi vào "
        "sổ khi được duyệt.",
        Severity.WARNING,
        tags=frozenset({"late"}),
    ),
    ProblemKind(
        "columns-locked",
        "Cột đã khóa sau kiểm tra tháng",
        "{count} ô ở cột {columns} được thêm sau khi các cột này đã khóa (ngày {day}): chờ Hiệu "
        "trưởng duyệt như sửa điểm",
        "Gửi phiếu đề nghị sửa điểm nêu lí do; các ô này chỉ được ghi vào sổ khi được duyệt. Các "
        "cột chưa khóa vẫn được nhận như thường.",
        Severity.WARNING,
        tags=frozenset({"late"}),
    ),
    ProblemKind(
        "late-summer-entry",
        "Nhập kết quả hè muộn",
        "kết quả kiểm tra lại, rèn luyện hè được gửi sau đợt {window} của lịch năm học",
        "Kết quả vẫn được nhận; báo Hiệu trưởng trước khi duyệt danh sách sau kì nghỉ hè.",
        Severity.WARNING,
        tags=frozenset({"late"}),
    ),
    ProblemKind(
        "late-entry",
        "Nhập điểm muộn",
        "điểm {column} được gửi sau hạn {deadline}",
        "Điểm vẫn được nhận; lần sau thầy/cô nhập đúng hạn.",
        Severity.WARNING,
        tags=frozenset({"late"}),
    ),
)
CATALOGUE.update(SHEET_KINDS)

# --- the data directory and the command line (raised as :class:`WorkbookEngineError`) ---------
OPERATION_KINDS = _kinds(
    ProblemKind(
        "path-missing",
        "Không tìm thấy tệp",
        "không tìm thấy tệp hoặc thư mục {path}",
        "Kiểm tra lại đường dẫn (chữ hoa, chữ thường, dấu) và ổ mạng đã được kết nối chưa.",
    ),
    ProblemKind(
        "setup-missing",
        "Thiếu tệp thiết lập",
        "không tìm thấy tệp thiết lập {path}",
        "Kiểm tra thư mục dữ liệu (--data-dir hoặc WBE_DATA_DIR); văn thư lập tệp từ mẫu "
        "(wbe setup template) rồi lưu vào thư mục dữ liệu với tên setup.xlsx.",
    ),
    ProblemKind(
        "setup-invalid",
        "Tệp thiết lập có lỗi",
        "tệp thiết lập {path} có lỗi (xem trên)",
        "Sửa từng lỗi đã liệt kê trong tệp thiết lập, rồi kiểm tra lại bằng lệnh wbe setup check.",
    ),
    ProblemKind(
        "secret-missing",
        "Thiếu khóa bí mật của trường",
        "chưa có khóa bí mật {path}; khôi phục tệp từ bản sao lưu, hoặc phát mẫu trước "
        "(wbe templates issue) nếu trường chưa phát mẫu lần nào",
        "Chép tệp secret.key từ bản sao lưu vào thư mục dữ liệu; không tạo khóa mới, vì khi đó "
        "mọi bảng điểm đã phát sẽ bị coi là đã bị sửa.",
        tags=frozenset({"identity"}),
    ),
    ProblemKind(
        "secret-invalid",
        "Khóa bí mật bị hỏng",
        "tệp khóa bí mật {path} bị hỏng (cần {digits} chữ số hex); khôi phục tệp từ bản sao lưu",
        "Chép tệp secret.key từ bản sao lưu vào thư mục dữ liệu; không xoá tệp hỏng để tạo khóa "
        "mới, vì khi đó mọi bảng điểm đã phát sẽ bị coi là đã bị sửa.",
        tags=frozenset({"identity"}),
    ),
    ProblemKind(
        "identity-unreadable",
        "Không đọc được trang nhận dạng của mẫu",
        "{detail}",
        "Dùng tệp mẫu gốc do nhà trường phát trong thư mục của thầy/cô; không tạo tệp mới.",
        tags=frozenset({"identity"}),
    ),
    ProblemKind(
        "issue-error",
        "Không phát được mẫu",
        "{detail}",
        "Đối chiếu học kì và mã giáo viên với tệp thiết lập (trang «Học kì», «Giáo viên», "
        "«Phân công»).",
    ),
    ProblemKind(
        "ledger-missing",
        "Chưa có sổ điểm",
        "không tìm thấy sổ điểm {path}: chưa nhận tệp nào",
        "Kiểm tra thư mục dữ liệu (--data-dir hoặc WBE_DATA_DIR); sổ điểm được tạo khi nhận tệp "
        "đầu tiên (wbe ingest hoặc wbe watch).",
    ),
    ProblemKind(
        "lock-incomplete",
        "Chưa đủ điểm để khóa sổ",
        "chưa khóa {scope}: còn {count} mục chưa nhập đủ (liệt kê ở trên)",
        "Nhắc giáo viên nhập nốt rồi khóa lại; xem «wbe report progress». Nếu vẫn phải khóa, "
        "chạy lại với --force và --note ghi lí do.",
    ),
    ProblemKind(
        "lock-force-needs-note",
        "Thiếu lí do khóa sổ khi chưa đủ điểm",
        "khóa {scope} khi còn {count} mục chưa đủ cần ghi lí do",
        'Thêm --note "lí do" (ví dụ: đã báo cáo, giáo viên ốm dài ngày) cùng với --force.',
    ),
    ProblemKind(
        "ledger-error",
        "Sổ điểm từ chối yêu cầu",
        "{detail}",
        "Xem lại các đề nghị bằng lệnh wbe corrections list --all; nếu điểm đã đổi từ lúc đề "
        "nghị, giáo viên gửi lại phiếu đề nghị sửa điểm.",
    ),
    ProblemKind(
        "chain-broken",
        "Nhật ký thay đổi không còn nguyên vẹn",
        "nhật ký không còn nguyên vẹn: {detail}",
        "Không sửa trực tiếp tệp ledger.sqlite; báo Hiệu trưởng và khôi phục sổ điểm từ bản sao "
        "lưu gần nhất.",
    ),
    # --- the ledger is precious; one service per data directory (issue 11)
    ProblemKind(
        "ledger-lost",
        "Mất sổ điểm",
        "sổ điểm {path} {state}, nhưng trường đã có dữ liệu ({history}); chương trình không tạo "
        "sổ điểm mới để khỏi mất dữ liệu đã nhận",
        "Chép tệp ledger.sqlite từ bản sao lưu gần nhất vào thư mục dữ liệu (nếu còn các tệp "
        "ledger.sqlite-wal, ledger.sqlite-shm cũ thì chuyển chúng đi nơi khác trước), rồi chạy "
        "wbe log verify. Không xoá thư mục archive: đó là bản gốc của mọi tệp đã nhận.",
    ),
    ProblemKind(
        "ledger-damaged",
        "Sổ điểm bị hỏng",
        "sổ điểm {path} bị hỏng, không đọc được ({detail})",
        "Chuyển tệp hỏng cùng các tệp ledger.sqlite-wal, ledger.sqlite-shm đi nơi khác (giữ lại "
        "để kiểm tra), chép tệp ledger.sqlite từ bản sao lưu gần nhất vào thư mục dữ liệu, rồi "
        "chạy wbe log verify.",
    ),
    ProblemKind(
        "ledger-too-new",
        "Sổ điểm của phiên bản mới hơn",
        "sổ điểm {path} được tạo bởi phiên bản mới hơn (cấu trúc dữ liệu số {version}, phiên "
        "bản này chỉ biết đến số {known}); cập nhật phần mềm",
        "Cài phiên bản wbe mới nhất trên máy này rồi chạy lại; không dùng phiên bản cũ với sổ "
        "điểm này.",
    ),
    ProblemKind(
        "archive-unknown",
        "Tệp lưu trữ không có trong sổ điểm",
        "thư mục lưu trữ {archive} có {count} tệp đã nhận không có trong sổ điểm (ví dụ {example})",
        "Nếu sổ điểm vừa được khôi phục từ bản sao lưu cũ hơn, chép (không chuyển) các tệp này "
        "vào hộp thư để nhận lại; nếu không, báo Hiệu trưởng vì sổ điểm có thể đã bị thay. Một "
        "tệp đang chờ nhận lại sau khi chương trình bị tắt đột ngột cũng được báo ở đây cho đến "
        "khi được nhận.",
    ),
    ProblemKind(
        "service-busy",
        "Thư mục dữ liệu đang được xử lí",
        "đang có một tiến trình khác xử lí thư mục dữ liệu này: máy {host}, tiến trình {pid}, "
        "từ {started} (lệnh {command}; tệp khóa {path})",
        "Mỗi thư mục dữ liệu chỉ chạy một wbe watch hoặc wbe ingest: đợi tiến trình kia xong "
        "hoặc dừng nó (Ctrl-C). Nếu tiến trình ấy ở máy khác và đã dừng hẳn (ví dụ máy đã tắt), "
        "kiểm tra trên chính máy đó rồi mới xoá tệp wbe.lock trong thư mục dữ liệu.",
    ),
    # --- PINs of the people who decide (wbe people pin)
    ProblemKind(
        "pin-missing",
        "Chưa có mã PIN",
        "{who} chưa đặt mã PIN; đặt bằng lệnh wbe people pin {person_code}",
        "Người quyết định tự đặt mã PIN của mình (wbe people pin MÃ) rồi chạy lại lệnh.",
    ),
    ProblemKind(
        "pin-wrong",
        "Sai mã PIN",
        "mã PIN của {who} không đúng; lệnh không được thực hiện",
        "Người quyết định tự nhập mã PIN của mình; quên mã PIN thì nhờ quản trị viên đặt lại "
        "(wbe people pin MÃ --reset). Mỗi lần nhập sai đều được ghi vào nhật ký; sai 5 lần liên "
        "tiếp thì mã PIN bị tạm khoá 15 phút.",
        tags=frozenset({"unauthorised"}),
    ),
    ProblemKind(
        "pin-invalid",
        "Mã PIN không hợp lệ",
        "mã PIN phải gồm từ 6 đến 12 chữ số",
        "Chọn mã PIN chỉ gồm chữ số 0–9, dài 6 đến 12 số, không có chữ hay dấu cách.",
    ),
    ProblemKind(
        "pin-locked",
        "Tạm khoá mã PIN",
        "mã PIN của {who} đã bị nhập sai 5 lần liên tiếp nên tạm khoá đến {until}",
        "Chờ đến giờ ghi trên rồi tự nhập lại; nếu không phải thầy/cô nhập sai, báo Hiệu trưởng.",
        tags=frozenset({"unauthorised"}),
    ),
    ProblemKind(
        "pin-admin-first",
        "Quản trị viên chưa có mã PIN",
        "quản trị viên của trường cần đặt mã PIN của mình trước (wbe people pin MÃ_QTV); sau đó "
        "mã PIN đầu tiên của mỗi người được đặt khi quản trị viên nhập mã PIN của mình",
        "Quản trị viên chạy wbe people pin với mã của mình, rồi đặt mã PIN cho từng người.",
    ),
    ProblemKind(
        "pin-mismatch",
        "Hai lần nhập mã PIN không khớp",
        "hai lần nhập mã PIN mới không khớp; mã PIN chưa được đổi",
        "Chạy lại lệnh và gõ cùng một mã PIN ở cả hai lần.",
    ),
    ProblemKind(
        "pins-unreadable",
        "Tệp mã PIN bị hỏng",
        "không đọc được tệp mã PIN {path}",
        "Chép tệp pins.json từ bản sao lưu vào thư mục dữ liệu; không sửa tệp này bằng tay.",
    ),
    # --- the principal's approval of results (wbe results approve)
    ProblemKind(
        "results-period-choice",
        "Chưa chọn kì để duyệt",
        "cần chọn đúng một kì để duyệt kết quả: --semester 1, --semester 2 hoặc --year",
        "Chạy lại lệnh với --semester 1, --semester 2 (kết quả từng học kì) hoặc --year (kết "
        "quả cả năm và đề nghị lên lớp).",
    ),
    ProblemKind(
        "results-semester-open",
        "Học kì chưa kết thúc",
        "học kì {semester} kết thúc ngày {end}; kết quả học kì chỉ được duyệt sau ngày này",
        "Duyệt kết quả sau ngày kết thúc học kì, khi mọi điểm, điểm danh, rèn luyện đã nhận đủ.",
    ),
    ProblemKind(
        "results-pending",
        "Còn đề nghị sửa điểm chờ duyệt",
        "lớp {class_code} còn {count} đề nghị sửa điểm chưa được quyết định",
        "Duyệt hoặc từ chối các đề nghị sửa điểm của lớp (wbe corrections list) rồi duyệt kết quả.",
    ),
    ProblemKind(
        "results-year-open",
        "Năm học chưa kết thúc",
        "năm học kết thúc ngày {end}; kết quả cả năm và đề nghị lên lớp chỉ được duyệt sau ngày "
        "này",
        "Duyệt kết quả cả năm sau ngày kết thúc năm học; kết quả từng học kì duyệt bằng "
        "--semester 1 hoặc --semester 2.",
    ),
    ProblemKind(
        "results-incomplete",
        "Chưa tính được kết quả của lớp",
        "lớp {class_code}, {period}: {count} học sinh chưa tính được kết quả, lớp chưa được "
        "duyệt; còn thiếu: {missing}",
        "Nhận đủ bảng điểm, điểm danh và rèn luyện còn thiếu (cột «Còn thiếu» ở trang của lớp "
        "trong sổ tổng hợp) rồi duyệt lại; kết quả của một lớp chỉ được duyệt khi tính được cho "
        "mọi học sinh.",
    ),
    ProblemKind(
        "results-year-changed",
        "Kết quả cả năm đã thay đổi sau khi duyệt",
        "kết quả cả năm của lớp {class_code} đã thay đổi sau khi Hiệu trưởng duyệt ({changes}); "
        "danh sách sau kì nghỉ hè chưa được duyệt",
        "Hiệu trưởng duyệt lại kết quả cả năm của lớp (wbe results approve --year), phát lại bảng "
        "kiểm tra lại, rèn luyện hè nếu danh sách đổi (wbe templates issue --summer), rồi duyệt "
        "danh sách sau hè.",
    ),
    ProblemKind(
        "summer-nothing-approved",
        "Chưa có kết quả cả năm được duyệt",
        "chưa lớp nào được duyệt kết quả cả năm, chưa biết học sinh nào phải {what}",
        "Duyệt kết quả cả năm (wbe results approve --year) rồi phát lại bảng hè.",
    ),
    ProblemKind(  # raised by pipeline/result_approval.py for the list after the summer
        "results-year-not-approved",
        "Chưa duyệt kết quả cả năm",
        "lớp {class_code} chưa được duyệt kết quả cả năm; danh sách lên lớp sau kì nghỉ hè chỉ "
        "được duyệt sau kết quả cả năm",
        "Hiệu trưởng duyệt kết quả cả năm của lớp trước (wbe results approve --year hoặc phiếu "
        "duyệt kết quả cả năm), rồi mới duyệt danh sách sau kì nghỉ hè.",
    ),
    # --- closing the school year and the next year's setup (wbe year; pipeline/year.py)
    ProblemKind(
        "year-closed",
        "Năm học đã khóa sổ",
        "năm học đã được khóa sổ ngày {day} bởi {who}: không nhập, sửa hay duyệt thêm được gì nữa",
        "Sổ tổng hợp, sổ in và báo cáo của năm học này vẫn xem, in được. Điểm của năm học mới "
        "nhập vào thư mục dữ liệu của năm học mới (wbe year new).",
    ),
    ProblemKind(
        "year-not-final",
        "Chưa duyệt xong kết quả cuối năm",
        "chưa khóa sổ được năm học {year}: {count} lớp chưa được duyệt kết quả cuối năm: {classes}",
        "Hiệu trưởng duyệt kết quả cả năm (wbe results approve --year) và, ở lớp có học sinh "
        "kiểm tra lại hoặc rèn luyện hè, danh sách sau kì nghỉ hè (wbe results approve --summer); "
        "giải quyết các đề nghị sửa điểm còn chờ; rồi khóa sổ năm học.",
    ),
    ProblemKind(
        "year-not-closed",
        "Năm học chưa khóa sổ",
        "năm học {year} chưa khóa sổ: chưa lập tệp thiết lập năm học mới từ năm học này",
        "Hiệu trưởng khóa sổ năm học trước (wbe year close --by MÃ), rồi chạy lại lệnh.",
    ),
    ProblemKind(
        "year-next-wrong",
        "Năm học mới không đúng",
        "năm học mới «{value}» không phải năm học liền sau năm học {year} (là {expected})",
        "Ghi năm học mới dạng 2026-2027, liền sau năm học đã khóa sổ.",
    ),
    ProblemKind(
        "year-archive-exists",
        "Đã có bản lưu năm học",
        "thư mục {path} đã có; lệnh lưu năm học không ghi đè lên bản lưu có sẵn",
        "Chọn ổ hoặc thư mục khác, hoặc đổi tên thư mục cũ nếu muốn lưu lại.",
    ),
    ProblemKind(
        "year-new-exists",
        "Tệp đã có",
        "tệp {path} đã có; lệnh lập năm học mới không ghi đè lên tệp có sẵn",
        "Đổi tên hoặc chuyển tệp cũ đi nếu muốn lập lại, hoặc chọn nơi ghi khác bằng --out.",
    ),
    # --- the results decision form (Phiếu duyệt kết quả, pipeline/results_decision.py); a form
    # from the wrong folder or person reuses decision-wrong-folder and decision-other-approver
    ProblemKind(
        "results-approver-not-allowed",
        "Người duyệt kết quả không có quyền",
        "phiếu duyệt kết quả ghi người duyệt {value}, không phải Hiệu trưởng trong tệp thiết "
        "lập; chỉ Hiệu trưởng duyệt kết quả học tập, rèn luyện. Hiệu trưởng được báo việc này",
        "Phiếu duyệt kết quả chỉ do Hiệu trưởng ghi ý kiến; văn phòng phát phiếu mới cho Hiệu "
        "trưởng (wbe results form).",
        tags=frozenset({"unauthorised"}),
    ),
    ProblemKind(
        "results-changed-since-form",
        "Kết quả đã thay đổi sau khi phát phiếu",
        "kết quả lớp {class_code} đã thay đổi sau khi phát phiếu; dùng phiếu mới",
        "Lớp này chưa được duyệt (các lớp khác trên phiếu vẫn được duyệt). Phát phiếu mới (wbe "
        "results form) để xem kết quả hiện tại của lớp rồi ghi ý kiến lại.",
        Severity.WARNING,
    ),
    ProblemKind(
        "results-row-not-approved",
        "Lớp chưa duyệt được",
        "{detail}",
        "Lớp này chưa được duyệt (các lớp khác trên phiếu vẫn được duyệt). Nhận đủ dữ liệu còn "
        "thiếu hoặc quyết định các đề nghị sửa điểm của lớp, rồi phát phiếu mới (wbe results "
        "form) để duyệt lớp này.",
        Severity.WARNING,
    ),
    ProblemKind(
        "not-a-demo-data-dir",
        "Thư mục dữ liệu của trường khác",
        "{detail}",
        "Chạy chương trình mẫu với một thư mục dữ liệu riêng, ví dụ: "
        "wbe demo --data-dir du-lieu-mau.",
    ),
    # --- backup and restore (wbe backup, wbe restore, wbe watch --backup-dir; issue 14); a
    # problem inside an archive is located by the member's name (``Tệp data/setup.xlsx: …``)
    ProblemKind(
        "backup-not-a-data-dir",
        "Không phải thư mục dữ liệu",
        "thư mục {path} không có sổ điểm (ledger.sqlite) hay tệp thiết lập (setup.xlsx): không "
        "phải thư mục dữ liệu của trường",
        "Chỉ đúng thư mục dữ liệu bằng --data-dir (hoặc WBE_DATA_DIR) rồi chạy lại.",
    ),
    ProblemKind(
        "backup-dest-inside-data",
        "Nơi sao lưu nằm trong thư mục dữ liệu",
        "không ghi bản sao lưu vào {dest}: nơi này nằm trong thư mục dữ liệu {data}",
        "Chọn nơi lưu ngoài thư mục dữ liệu, tốt nhất ở ổ đĩa hoặc máy khác (ổ USB, ổ mạng): "
        "bản sao lưu phải còn khi ổ đĩa chứa dữ liệu bị hỏng.",
    ),
    ProblemKind(
        "backup-dest-exists",
        "Tệp sao lưu đã có",
        "tệp {path} đã có; lệnh sao lưu không ghi đè lên tệp có sẵn",
        "Chọn tên tệp khác, hoặc chỉ ghi tên thư mục: tên tệp sao lưu sẽ kèm ngày giờ.",
    ),
    ProblemKind(
        "backup-write-failed",
        "Không ghi được",
        "không ghi được vào {path} ({detail}); không có tệp dở dang nào được để lại dưới tên "
        "cuối cùng",
        "Kiểm tra ổ đĩa còn chỗ trống, đã được kết nối và cho phép ghi, rồi chạy lại lệnh.",
    ),
    ProblemKind(
        "backup-not-an-archive",
        "Không phải bản sao lưu",
        "tệp {path} không phải bản sao lưu của sổ điểm ({detail})",
        "Chọn đúng tệp so-diem-….zip do lệnh wbe backup tạo ra; nếu tệp bị chép dở, chép lại "
        "từ nơi cất bản sao lưu.",
    ),
    ProblemKind(
        "backup-member-damaged",
        "Tệp trong bản sao lưu bị hỏng",
        "tệp trong bản sao lưu bị hỏng hoặc đã bị sửa: {detail}",
        "Không dùng bản sao lưu này để khôi phục; chọn bản sao lưu khác (gần nhất còn nguyên "
        "vẹn), kiểm tra bằng wbe backup --verify.",
    ),
    ProblemKind(
        "backup-member-missing",
        "Thiếu tệp trong bản sao lưu",
        "bản kê có ghi tệp này nhưng bản sao lưu không có",
        "Không dùng bản sao lưu này để khôi phục; chọn bản sao lưu khác, kiểm tra bằng wbe "
        "backup --verify.",
    ),
    ProblemKind(
        "backup-member-unlisted",
        "Tệp lạ trong bản sao lưu",
        "tệp này có trong bản sao lưu nhưng không có trong bản kê manifest.json (được thêm vào "
        "sau khi sao lưu)",
        "Không dùng bản sao lưu này để khôi phục; chọn bản sao lưu khác, kiểm tra bằng wbe "
        "backup --verify. Nếu không ai chủ ý sửa tệp sao lưu, báo Hiệu trưởng.",
    ),
    ProblemKind(
        "backup-member-unsafe",
        "Tên tệp không an toàn trong bản sao lưu",
        "tên tệp {detail}: giải nén có thể ghi ra ngoài thư mục khôi phục nên tệp bị bỏ qua",
        "Không dùng bản sao lưu này; bản do wbe backup tạo ra không bao giờ có tên như vậy. Chọn "
        "bản sao lưu khác và báo Hiệu trưởng.",
    ),
    ProblemKind(
        "backup-ledger-broken",
        "Sổ điểm trong bản sao lưu không nguyên vẹn",
        "sổ điểm trong bản sao lưu không còn nguyên vẹn: {detail}",
        "Không khôi phục từ bản sao lưu này; chọn bản sao lưu khác và kiểm tra bằng wbe backup "
        "--verify.",
    ),
    ProblemKind(
        "backup-ledger-mismatch",
        "Sổ điểm khác bản kê",
        "sổ điểm trong bản sao lưu khác với bản kê: {detail}",
        "Không khôi phục từ bản sao lưu này; chọn bản sao lưu khác và kiểm tra bằng wbe backup "
        "--verify.",
    ),
    ProblemKind(
        "backup-damaged",
        "Bản sao lưu không dùng được",
        "bản sao lưu {path} có {count} lỗi (xem trên); không dùng được để khôi phục",
        "Chọn bản sao lưu khác (kiểm tra bằng wbe backup --verify), hoặc sao lưu lại từ thư mục "
        "dữ liệu nếu nó còn (wbe backup).",
    ),
    ProblemKind(
        "restore-target-not-empty",
        "Thư mục khôi phục đã có dữ liệu",
        "thư mục {path} đã có dữ liệu ({detail}); lệnh khôi phục không ghi đè lên dữ liệu có "
        "sẵn, chưa có gì được ghi",
        "Khôi phục vào một thư mục mới hoặc trống (--data-dir). Muốn thay dữ liệu hiện tại: dừng "
        "wbe watch, đổi tên thư mục cũ để giữ lại, rồi chạy lại lệnh.",
    ),
)
CATALOGUE.update(OPERATION_KINDS)


@dataclass(frozen=True)
class Problem:
    """One located problem: which file, sheet, row and column, and what is wrong."""

    code: str
    message: str
    file: str = ""
    sheet: str = ""
    row: int | None = None
    column: str = ""
    column_title: str = ""
    severity: Severity = Severity.ERROR

    @property
    def kind(self) -> ProblemKind:
        return CATALOGUE[self.code]

    def has(self, tag: str) -> bool:
        """Whether the catalogue tags this kind of problem (``unauthorised``, ``identity``…)."""
        return tag in self.kind.tags

    @property
    def location(self) -> str:
        parts = []
        if self.file:
            parts.append(f"Tệp {self.file}")
        if self.sheet:
            parts.append(f"trang «{self.sheet}»")
        if self.column and self.row is not None:
            parts.append(f"ô {self.column}{self.row}")
        elif self.row is not None:
            parts.append(f"dòng {self.row}")
        if self.column_title:
            parts.append(f"cột «{self.column_title}»")
        return ", ".join(parts)

    def __str__(self) -> str:
        label = "Lỗi" if self.severity is Severity.ERROR else "Cảnh báo"
        where = self.location
        text = f"{where}: {self.message}" if where else self.message
        return f"{label} [{self.code}] {text}. Cách sửa: {self.kind.hint}"


def make_problem(
    code: str,
    *,
    file: str = "",
    sheet: str = "",
    row: int | None = None,
    letter: str = "",
    column_title: str = "",
    **values: object,
) -> Problem:
    """Build a :class:`Problem` from a catalogue code and the template's values.

    ``letter`` is the Excel column (``C``); ``{column}`` in a template is the column's title.
    """
    kind = CATALOGUE[code]
    values.setdefault("column", column_title)
    values.setdefault("sheet", sheet)
    values.setdefault("row", row)
    message = kind.template.format(**values)
    return Problem(
        code=code,
        message=message,
        file=file,
        sheet=sheet,
        row=row,
        column=letter,
        column_title=column_title,
        severity=kind.severity,
    )


@dataclass
class Report:
    """All problems found in one check, in the order found."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.problems)

    def __len__(self) -> int:
        return len(self.problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.WARNING]

    @property
    def valid(self) -> bool:
        return not self.errors

    def tagged(self, tag: str) -> list[Problem]:
        return [p for p in self.problems if p.has(tag)]

    def sorted(self) -> list[Problem]:
        """Errors first, each group in the order found (workbook order, then row order)."""
        return sorted(self.problems, key=lambda p: p.severity is not Severity.ERROR)

    def to_json(self) -> str:
        return json.dumps(
            {
                "valid": self.valid,
                "errors": len(self.errors),
                "warnings": len(self.warnings),
                "problems": [asdict(p) for p in self.sorted()],
            },
            ensure_ascii=False,
            indent=2,
        )


class WorkbookEngineError(Exception):
    """The one exception base: carries catalogue problems, printed the same way everywhere."""

    def __init__(self, *problems: Problem) -> None:
        self.report = Report(list(problems))
        super().__init__("; ".join(p.message for p in problems))
