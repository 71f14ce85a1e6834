"""Built-in word lists and shares for the synthetic district generator, and how a name becomes an
address (``domain.demo.seeding``).

Names are common given and family names in each supported language, romanised where the
language is not written in Latin script; some keep their diacritics on purpose so that the rest
of the system meets non-ASCII names.
"""

from __future__ import annotations

import functools
import unicodedata


@functools.cache
def slug(name: str) -> str:
    """ASCII letters and digits of a name, for email local parts ("Nguyễn" -> "nguyen")."""
    folded = unicodedata.normalize("NFKD", name.replace("Đ", "D").replace("đ", "d"))
    return "".join(ch for ch in folded.encode("ascii", "ignore").decode().lower() if ch.isalnum())


# Shares as (values, weights) for ``random.choices``.
#: Children of one family at the district: mostly one or two.
FAMILY_SIZES = ((1, 2, 3, 4), (0.50, 0.33, 0.13, 0.04))
#: Adults on each child's contact card: typically two.
ADULT_COUNTS = ((1, 2, 3, 4), (0.15, 0.55, 0.20, 0.10))
#: A family's home language: mostly English, with the district's other home languages.
LANGUAGES = (("en", "es", "vi", "zh", "ar", "so"), (0.70, 0.15, 0.04, 0.04, 0.03, 0.04))

#: (relationship, female) of the third and fourth adult on a card.
EXTENDED_FAMILY = (("Grandparent", True), ("Grandparent", False), ("Aunt", True),
                   ("Uncle", False), ("Guardian", True), ("Guardian", False))
#: Fictitious mail hosts for family addresses; never a real-looking domain.
EMAIL_HOSTS = ("mail.example.com", "post.example.com", "webmail.example.org")

#: language -> (female given names, male given names, family names)
NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "en": (
        ("Emma", "Olivia", "Ava", "Sophia", "Isabella", "Mia", "Charlotte", "Amelia", "Harper",
         "Evelyn", "Abigail", "Emily", "Ella", "Grace", "Chloe", "Zoë", "Hannah", "Lily",
         "Madison", "Nora", "Riley", "Aaliyah", "Claire", "Dana", "Jennifer", "Karen", "Megan"),
        ("Liam", "Noah", "Oliver", "Elijah", "James", "William", "Benjamin", "Lucas", "Henry",
         "Alexander", "Mason", "Michael", "Ethan", "Daniel", "Jacob", "Logan", "Jackson",
         "Sebastian", "Owen", "Samuel", "Connor", "Tyrone", "Brian", "David", "Kevin", "Mark"),
        ("Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson",
         "Anderson", "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Thompson", "White",
         "Harris", "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
         "Scott", "Hill", "Green", "Adams", "Baker", "Nelson", "Carter", "Mitchell", "Roberts",
         "O'Brien", "Murphy", "Kowalski", "Novak", "Schmidt", "Johansson", "Okafor", "Mensah"),
    ),
    "es": (
        ("Sofía", "Valentina", "Camila", "Isabella", "Lucía", "María", "Ximena", "Daniela",
         "Gabriela", "Mariana", "Valeria", "Ana", "Paula", "Regina", "Renata", "Guadalupe",
         "Carmen", "Rosa", "Alejandra", "Elena"),
        ("Santiago", "Mateo", "Sebastián", "Diego", "Leonardo", "Emiliano", "Matías", "Nicolás",
         "Alejandro", "Samuel", "José", "Juan", "Carlos", "Luis", "Miguel", "Jorge", "Andrés",
         "Ángel", "Javier", "Fernando"),
        ("García", "Rodríguez", "Martínez", "Hernández", "López", "González", "Pérez",
         "Sánchez", "Ramírez", "Torres", "Flores", "Rivera", "Gómez", "Díaz", "Reyes", "Cruz",
         "Morales", "Ortiz", "Gutiérrez", "Chávez", "Ramos", "Ruiz", "Mendoza", "Castillo",
         "Jiménez", "Vargas", "Romero", "Herrera", "Medina", "Aguilar"),
    ),
    "vi": (
        ("Linh", "Lan", "Mai", "Hoa", "Ngọc", "Thảo", "Trang", "Huong", "Phương", "Anh",
         "Vy", "My", "Nhi", "Thu", "Hạnh", "Yến"),
        ("Minh", "Huy", "Khoa", "Nam", "Quang", "Tuấn", "Dũng", "Hùng", "Bảo", "Long",
         "Phúc", "Thanh", "Đức", "Hải", "Khánh", "Sơn"),
        ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
         "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"),
    ),
    "zh": (
        ("Mei", "Xiu Ying", "Li Na", "Jing", "Yan", "Xiao Hong", "Hui", "Fang", "Ling",
         "Yu Tong", "Zi Han", "Xin Yi", "Ying", "Wen", "Lan", "Qing"),
        ("Wei", "Jun", "Hao", "Yi", "Jie", "Lei", "Tao", "Ming", "Zhi Wei", "Hao Ran",
         "Yu Xuan", "Zi Xuan", "Chen", "Bo", "Kai", "Peng"),
        ("Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu",
         "Sun", "Ma", "Zhu", "Hu", "Guo", "He", "Lin", "Gao", "Luo"),
    ),
    "ar": (
        ("Fatima", "Mariam", "Aisha", "Layla", "Noor", "Hana", "Zainab", "Yasmin", "Salma",
         "Amira", "Rania", "Leila", "Huda", "Samira", "Dalia", "Reem"),
        ("Mohammed", "Ahmed", "Omar", "Ali", "Youssef", "Ibrahim", "Khalid", "Hassan",
         "Hussein", "Karim", "Tariq", "Samir", "Ziad", "Bilal", "Rami", "Nabil"),
        ("Al-Sayed", "Haddad", "Khalil", "Mansour", "Nasser", "Saleh", "Hamdan", "Aziz",
         "Farouk", "Ibrahim", "Jaber", "Qasim", "Rahman", "Suleiman", "Yousef", "Darwish"),
    ),
    "so": (
        ("Hodan", "Amina", "Faadumo", "Sahra", "Ayaan", "Hibaaq", "Ifrah", "Nasra", "Ubah",
         "Deeqa", "Hamdi", "Ilhan", "Khadra", "Muna", "Sagal", "Warsan"),
        ("Abdi", "Mohamed", "Abdirahman", "Ahmed", "Hassan", "Farah", "Guled", "Jama",
         "Liban", "Mahad", "Mustafe", "Said", "Warsame", "Yusuf", "Bashir", "Cabdi"),
        ("Ali", "Hussein", "Mohamud", "Abdullahi", "Osman", "Warsame", "Farah", "Hirsi",
         "Jama", "Omar", "Aden", "Ismail", "Egal", "Duale", "Gedi", "Nur"),
    ),
}

DISTRICT_STEMS = (
    "Riverside", "Maple Valley", "Cedar Falls", "Lakeview", "Pine Ridge", "Willow Creek",
    "Brookfield", "Fairmont", "Oak Hollow", "Silver Lake",
)

#: Stems for school names; a level suffix ("Elementary School", ...) keeps them unique.
SCHOOL_STEMS = (
    "Lincoln", "Jefferson", "Washington", "Roosevelt", "Franklin", "Kennedy", "Madison",
    "Oak Grove", "Maple Hill", "Cedar Ridge", "Pinecrest", "Willow Bend", "Sunset Park",
    "Meadowbrook", "Hillside", "Lakeshore", "Northview", "Southgate", "Eastwood", "Westfield",
    "Harriet Tubman", "César Chávez", "Sojourner Truth", "Rosa Parks", "Sally Ride",
    "Amelia Earhart", "Booker T. Washington", "Jane Addams", "Mae Jemison", "Ruth Bader Ginsburg",
    "Thurgood Marshall", "Frederick Douglass", "Clara Barton", "Grace Hopper", "Carver",
    "Prairie View", "Stonebridge", "Riverbend", "Highland", "Fox Run", "Brookside",
    "Mill Creek", "Aspen", "Birchwood", "Elmwood", "Greenfield", "Heritage", "Liberty",
    "Mountain View", "Parkside", "Quail Run", "Redwood", "Summit", "Valley Forge",
)

ELEMENTARY_SUBJECTS = ("Homeroom", "Math", "Reading", "Science", "Art", "Music")

#: grade -> the courses secondary students of that grade take.
SECONDARY_COURSES: dict[int, tuple[str, ...]] = {
    6: ("English 6", "Math 6", "Science 6", "Social Studies 6", "Art", "PE 6", "Band"),
    7: ("English 7", "Pre-Algebra", "Life Science", "World Geography", "Spanish I", "PE 7"),
    8: ("English 8", "Algebra I", "Physical Science", "U.S. History", "Spanish II", "Choir"),
    9: ("English 9", "Geometry", "Biology", "World History", "Spanish II", "Health", "PE 9"),
    10: ("English 10", "Algebra II", "Chemistry", "U.S. History", "French I", "Drama"),
    11: ("AP English Language", "Pre-Calculus", "Physics", "Government", "Economics",
         "Computer Science"),
    12: ("English 12", "AP Calculus", "AP Biology", "Psychology", "Art Studio", "Orchestra"),
}

PHONE_AREA_CODES = ("312", "773", "630", "847", "708", "224", "331", "872")


GRADES = ("K", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12")
LEVELS = ("Elementary School", "Middle School", "High School")
LEVEL_GRADES = (range(0, 6), range(6, 9), range(9, 13))
