"""Demo data: a believable municipality to try the app with (`flask demo-data`).

Everything random comes from one seeded generator, so the same `today` always gives the same data.
People, companies and numbers are fictional; the texts are Danish because they are the municipality's data.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from app.auth.services import hash_password
from app.core.timeutil import local_today, zone
from app.extensions import db
from app.models import (
    ChecklistTemplate,
    Citizen,
    CitizenStatus,
    Company,
    Contact,
    ContactChannel,
    ContactParty,
    ContactPerson,
    ConvertAnswer,
    Placement,
    PlacementKind,
    PlacementStatus,
    Purpose,
    Role,
    ScheduledVisit,
    ScheduledVisitStatus,
    Team,
    TeamMeeting,
    TeamMeetingCitizen,
    User,
    Visit,
    VisitFeedback,
    VisitState,
    Workplace,
    is_valid_cvr,
)
from app.placements.services import course_progress, generate_schedule
from app.visits.defaults import ensure_default_template

DEMO_PASSWORD = "demo1234"
DEMO_LOGINS = [
    ("jobformidler", "jobformidler with a caseload of 12 citizens (start here)"),
    ("jobformidler2", "jobformidler in the same team"),
    ("jobformidler3", "jobformidler in the same team"),
    ("leder", "supervisor of the team"),
    ("admin", "administrator"),
]
SEED = 2026
TEAM_NAME = "Jobcenter Demo – Virksomhedsteamet"

# username, full name, role, e-mail initials (the administrator is in no team)
STAFF = [
    ("leder", "Birgitte Lauridsen", Role.SUPERVISOR, "bila"),
    ("jobformidler", "Mette Kjærgaard", Role.JOBFORMIDLER, "mekj"),
    ("jobformidler2", "Jonas Bach Pedersen", Role.JOBFORMIDLER, "jobp"),
    ("jobformidler3", "Sofie Lund Hansen", Role.JOBFORMIDLER, "solh"),
    ("admin", "Per Holm", Role.ADMIN, "peho"),
]
JOBFORMIDLERE = ["jobformidler", "jobformidler2", "jobformidler3"]

# (name, web domain, street, "postcode city"), (job title, tasks), contacts (name, title), 2nd workplace
COMPANIES = [
    (
        ("Bageriet Bryggergade ApS", "bageriet-bryggergade.example", "Bryggergade 12", "7400 Herning"),
        ("Bagerimedhjælper", "Opvask, klargøring af plader, pakning af brød og rengøring af bageriet."),
        [("Hanne Jensen", "bagermester"), ("Lars Møller", "butiksleder")],
        ("Bageriet Bryggergade, Ikast", "Østergade 4", "7430 Ikast"),
    ),
    (
        ("Lind Supermarked A/S", "lind-supermarked.example", "Lindevej 2", "7400 Herning"),
        ("Butiksmedhjælper", "Opfyldning af varer, datokontrol, flaskeretur og rengøring i butikken."),
        [("Karina Thomsen", "souschef")],
        None,
    ),
    (
        ("Plejecenter Lindegården", "lindegaarden-pleje.example", "Fredhøjvej 30", "7400 Herning"),
        ("Servicemedarbejder", "Borddækning, opvask, tøjvask og samvær med beboerne."),
        [("Susanne Kristiansen", "afdelingsleder"), ("Bo Frederiksen", "køkkenleder")],
        ("Lindegården, Demensafsnittet Åbrinken", "Fredhøjvej 34", "7400 Herning"),
    ),
    (
        ("Demo Kommune, Park og Vej", "demo-kommune.example", "Materielvej 6", "7400 Herning"),
        ("Gartnermedhjælper", "Græsslåning, lugning, tømning af affaldsspande og vintertjeneste."),
        [("Jens Vestergaard", "driftsleder"), ("Mikkel Skov", "formand")],
        ("Park og Vej, Driftsgården Ikast", "Ringvejen 41", "7430 Ikast"),
    ),
    (
        ("Midtjysk Lager & Logistik A/S", "mjll.example", "Industrivej Nord 18", "7400 Herning"),
        ("Lagermedarbejder", "Plukning og pakning af ordrer, håndscanning og oprydning på lageret."),
        [("Anja Mikkelsen", "lagerchef"), ("Thomas Bjerre", "holdleder")],
        None,
    ),
    (
        ("Renset Rengøring ApS", "renset-rengoering.example", "Fabriksvej 7", "7430 Ikast"),
        ("Rengøringsassistent", "Daglig rengøring af kontorer og kantiner, opfyldning af forbrugsvarer."),
        [("Dorthe Klausen", "serviceleder")],
        None,
    ),
    (
        ("Hammerum Autoværksted ApS", "hammerum-auto.example", "Hovedgaden 51", "7400 Herning"),
        ("Værkstedsmedhjælper", "Dækskift, klargøring og vask af biler, oprydning i værkstedet."),
        [("Kim Holst", "værkfører")],
        None,
    ),
    (
        ("Café Torvet", "cafe-torvet.example", "Torvet 3", "7400 Herning"),
        ("Køkkenmedhjælper", "Opvask, anretning af sandwich og salater, klargøring af kaffebaren."),
        [("Line Brandt", "indehaver"), ("Ida Vinther", "køkkenchef")],
        None,
    ),
    (
        ("Børnehuset Solsikken", "solsikken-boernehus.example", "Solsortevej 9", "7451 Sunds"),
        ("Køkken- og pedelmedhjælper", "Frugtordning, opvask, oprydning på legepladsen og små reparationer."),
        [("Malene Bech", "daglig leder")],
        None,
    ),
    (
        ("Ikast Byggecenter A/S", "ikast-byggecenter.example", "Vestergade 60", "7430 Ikast"),
        ("Lager- og butiksmedhjælper", "Varemodtagelse, opfyldning og hjælp til kunder i trælasten."),
        [("Henrik Damgaard", "varehuschef"), ("Rikke Lauritsen", "trælastleder")],
        ("Ikast Byggecenter, Brande", "Industrivej 3", "7330 Brande"),
    ),
    (
        ("Nyt Liv Genbrug", "nytliv-genbrug.example", "Bredgade 22", "7400 Herning"),
        ("Butiksmedhjælper", "Sortering af tøj, prismærkning og ekspedition ved kassen."),
        [("Grethe Laursen", "butiksleder")],
        None,
    ),
    (
        ("Hotel Vestergaard Herning A/S", "hotel-vestergaard.example", "Vestergade 40", "7400 Herning"),
        ("Housekeeping-medhjælper", "Oprydning og rengøring af værelser, linnedskift og vask."),
        [("Camilla Friis", "housekeeping-chef"), ("Nikolaj Storm", "receptionschef")],
        None,
    ),
    (
        ("Jydsk Emballage ApS", "jydsk-emballage.example", "Lillelundvej 25", "7400 Herning"),
        ("Produktionsmedarbejder", "Betjening af pakkemaskine, kvalitetskontrol og palletering."),
        [("Ole Bak", "produktionsleder"), ("Jette Nørgaard", "HR-konsulent")],
        ("Jydsk Emballage, Aulum", "Industrivej 12", "7490 Aulum"),
    ),
    (
        ("Tømrerfirmaet Brdr. Krogh ApS", "brdr-krogh.example", "Hovedgaden 88", "7451 Sunds"),
        ("Tømrerarbejdsmand", "Oprydning på byggepladser, bæring af materialer og enkle nedrivningsopgaver."),
        [("Søren Krogh", "indehaver")],
        None,
    ),
    (
        ("Gartneriet Solbakken I/S", "gartneriet-solbakken.example", "Solbakkevej 5", "6933 Kibæk"),
        ("Gartnerimedhjælper", "Potning og pasning af planter, pakning af ordrer til butikkerne."),
        [("Annette Vad", "gartner"), ("Peter Kjeldsen", "indehaver")],
        None,
    ),
]

K, S = PlacementKind, PlacementStatus
# first name, last name, jobformidler (index), course kind (None: still matching), start (days from today),
# course status, end (days from today), how many of the latest past follow-ups are left undone (overdue)
CITIZENS = [
    ("Anders", "Nielsen", 0, K.ORDINARY, -300, S.ACTIVE, None, 0),
    ("Tina", "Sørensen", 0, K.SMALL_JOB, -200, S.ACTIVE, None, 1),
    ("Ahmad", "Karimi", 0, K.INTERNSHIP, -45, S.ACTIVE, None, 0),
    ("Brian", "Mortensen", 0, K.WAGE_SUBSIDY, -120, S.ACTIVE, None, 1),
    ("Fatima", "Hussein", 0, K.MIXED, -240, S.ACTIVE, None, 0),
    ("Kasper", "Jørgensen", 0, K.INTERNSHIP, -10, S.ACTIVE, None, 1),
    ("Louise", "Madsen", 0, K.MIXED, -88, S.ACTIVE, None, 0),
    ("Dennis", "Poulsen", 0, K.INTERNSHIP, 12, S.PLANNED, None, 0),
    ("Sanne", "Kristensen", 0, K.SMALL_JOB, -330, S.COMPLETED, -25, 0),
    ("Mohammed", "Ibrahim", 0, K.INTERNSHIP, -80, S.BROKEN_OFF, -50, 0),
    ("Lene", "Thomsen", 0, None, 0, None, None, 0),
    ("Kenneth", "Olsen", 0, K.INTERNSHIP, -150, S.REHABILITATION, -40, 0),
    ("Ayse", "Yilmaz", 1, K.INTERNSHIP, -60, S.ACTIVE, None, 0),
    ("Rasmus", "Larsen", 1, K.MIXED, -180, S.ACTIVE, None, 1),
    ("Pernille", "Rasmussen", 1, K.ORDINARY, -20, S.ACTIVE, None, 0),
    ("Jesper", "Andersen", 1, K.WAGE_SUBSIDY, -270, S.ACTIVE, None, 0),
    ("Maria", "Christensen", 1, K.SMALL_JOB, -100, S.ACTIVE, None, 0),
    ("Ali", "Rahimi", 1, K.INTERNSHIP, -30, S.ACTIVE, None, 1),
    ("Heidi", "Pedersen", 1, K.MIXED, -320, S.COMPLETED, -15, 0),
    ("Thomas", "Johansen", 1, K.INTERNSHIP, 5, S.PLANNED, None, 0),
    ("Nadia", "Ahmadi", 1, None, 0, None, None, 0),
    ("Michael", "Hansen", 1, K.INTERNSHIP, -130, S.ACTIVE, None, 2),
    ("Charlotte", "Møller", 2, K.INTERNSHIP, -75, S.ACTIVE, None, 0),
    ("Daniel", "Jensen", 2, K.SMALL_JOB, -150, S.ACTIVE, None, 0),
    ("Julie", "Petersen", 2, K.MIXED, -40, S.ACTIVE, None, 1),
    ("Hassan", "Omar", 2, K.ORDINARY, -210, S.ACTIVE, None, 0),
    ("Jannie", "Bruun", 2, K.INTERNSHIP, -5, S.ACTIVE, None, 0),
    ("Martin", "Kjær", 2, K.WAGE_SUBSIDY, -55, S.ACTIVE, None, 0),
    ("Stine", "Winther", 2, K.INTERNSHIP, 14, S.PLANNED, None, 0),
    ("Yusuf", "Demir", 2, None, 0, None, None, 0),
]
# Courses (numbered in the order above) without a written agreement, or with one made after the start.
MISSING_AGREEMENT, LATE_AGREEMENTS = 13, (6, 16)
CITIZEN_STATUS = {
    S.PLANNED: CitizenStatus.IN_COURSE,
    S.ACTIVE: CitizenStatus.IN_COURSE,
    S.COMPLETED: CitizenStatus.COMPLETED,
    S.BROKEN_OFF: CitizenStatus.MATCHING,
    S.REHABILITATION: CitizenStatus.REHABILITATION,
}
ENDED_REASONS = {
    S.COMPLETED: "Målet er nået: borger har nu fast ansættelse med mindst 30 ordinære timer om måneden.",
    S.BROKEN_OFF: "Gentagne udeblivelser uden afbud; afbrudt efter aftale med virksomheden. "
    "Borger er tilbage i matchning.",
    S.REHABILITATION: "Helbredet tillader ikke flere timer; sagen går til rehabiliteringsteamet "
    "med henblik på afklaring af fleksjob.",
}
# The agreed hours per week: (paid hours choices, internship hours choices) per kind.
AGREED_HOURS = {
    K.ORDINARY: (("10", "15", "20", "25"), ("0",)),
    K.SMALL_JOB: (("3", "4", "5", "6"), ("0",)),
    K.INTERNSHIP: (("0",), ("8", "10", "12.5", "15", "20")),
    K.WAGE_SUBSIDY: (("20", "25", "30", "37"), ("0",)),
    K.MIXED: (("2", "3", "4", "5"), ("10", "12", "15")),
}
PURPOSES = {
    K.ORDINARY: [Purpose.JOB],
    K.SMALL_JOB: [Purpose.JOB],
    K.INTERNSHIP: [Purpose.SKILLS, Purpose.CLARIFY],
    K.WAGE_SUBSIDY: [Purpose.JOB, Purpose.SKILLS],
    K.MIXED: [Purpose.JOB, Purpose.SKILLS],
}
SUB_GOALS = {
    Purpose.JOB: "Stabilt fremmøde de første 4 uger.\nLøser de faste opgaver selvstændigt efter 2 måneder.\n"
    "Flere ordinære timer efter 3 måneder.",
    Purpose.SKILLS: "Lærer de faste opgaver og får dem skrevet ind i et kompetencebevis.\n"
    "Kan arbejde i jævnt tempo 3 timer i træk.\nAfklaring af relevant AMU-kursus.",
    Purpose.CLARIFY: "Afklare om branchen passer til borgerens jobønske.\nAfprøve skånehensyn i praksis.\n"
    "Afklare et realistisk timetal inden for 13 uger.",
}
CONSIDERATIONS = [
    "Borger har angst i større grupper – start med faste opgaver i et mindre team.",
    "Rygproblemer: ingen tunge løft over 15 kg, skiftende arbejdsstillinger.",
    "Begrænsede danskkundskaber – instruktion med billeder og mesterlære.",
    "ADHD: brug for klar struktur, faste pauser og én opgave ad gangen.",
    "Enlig forsørger – henter børn kl. 15.30; arbejdstiden er lagt derefter.",
    "Ingen særlige hensyn ud over en rolig opstart.",
    "Har gæld og er i gang med gældsrådgivning; kan give fravær til møder.",
    "Kroniske smerter i knæet – undgå lange perioder stående.",
]
DAYS = {2: "tirsdag og torsdag", 3: "mandag, onsdag og fredag", 4: "mandag-torsdag", 5: "mandag-fredag"}
# Notes per checklist item and rating; other items and "not_relevant" get GENERIC_NOTES.
NOTES = {
    "attendance": {
        "good": ("Møder stabilt og til tiden.", "Intet fravær siden sidst."),
        "partly": ("Enkelte sene fremmøder; fravær meldes korrekt.", "To sygedage, meldt som aftalt."),
        "challenge": ("Flere udeblivelser uden afbud.", "Kommer ofte for sent pga. bussen."),
    },
    "responsibility": {
        "good": ("Tager ansvar og spørger selv efter nye opgaver.", "Overholder aftaler."),
        "partly": ("Skal mindes om enkelte opgaver.", "Glemmer af og til at melde færdig."),
        "challenge": ("Forlader opgaver før de er færdige.", "Har svært ved at holde aftaler."),
    },
    "cooperation": {
        "good": ("Godt samarbejde med kolleger og kontaktperson.", "Er blevet en del af holdet."),
        "partly": ("Holder sig mest for sig selv i pauserne.", "Enkelte misforståelser pga. sprog."),
        "challenge": ("Konflikt med en kollega – drøftet på mødet.", "Reagerer skarpt på rettelser."),
    },
    "hours": {
        "good": ("Timetallet følger aftalen.", "Klar til flere timer."),
        "partly": ("Timerne holder, men ikke klar til flere endnu.", "Ønsker flere timer; firmaet afventer."),
        "challenge": ("Har ikke kunnet holde det aftalte timetal.", "Timerne er sat ned midlertidigt."),
    },
    "tasks": {
        "good": ("Mestrer nu opgaverne selvstændigt.", "Delmålet om selvstændig opstart er nået."),
        "partly": ("Mestrer de faste opgaver; nye kræver instruktion.", "Arbejder på delmålet om tempo."),
        "challenge": ("Har brug for tæt instruktion i alle opgaver.", "Tempoet er endnu for lavt."),
    },
    "wellbeing": {
        "good": ("Trives og har mere overskud derhjemme.", "Sover bedre; transporten fungerer."),
        "partly": ("Trives på arbejdet, men økonomien fylder.", "Meget træt efter arbejdsdagen."),
        "challenge": ("Gæld og boligsituation påvirker fremmødet.", "Har haft en svær periode med angst."),
    },
    "company_needs": {
        "good": ("Ingen særlige behov lige nu.", "Tilfreds med samarbejdet med jobcentret."),
        "partly": ("Ønsker hurtigere svar fra jobcentret.", "Overvejer hygiejnekursus til borger."),
        "challenge": ("Mangler tid til oplæring – ønsker mentorstøtte.", "Usikker på forløbets fremtid."),
    },
}
GENERIC_NOTES = ("Ikke drøftet denne gang.", "Ikke aktuelt lige nu.")
# How the ratings of a course lean: closed courses by their outcome, open ones at random.
MOODS = {S.COMPLETED: "good", S.BROKEN_OFF: "hard", S.REHABILITATION: "hard"}
RATINGS = ("good", "partly", "challenge", "not_relevant")
RATING_WEIGHTS = {"good": (70, 22, 5, 3), "mixed": (45, 35, 15, 5), "hard": (20, 35, 40, 5)}
CONVERT_NOTES = {
    ConvertAnswer.YES: "Virksomheden vil omlægge 2 praktiktimer til løntimer – ny aftale udarbejdes.",
    ConvertAnswer.PARTLY: "Muligt, når borger mestrer opgaverne selvstændigt; tages op igen næste gang.",
    ConvertAnswer.NO: "Borger skal først mestre de faste opgaver i fuldt tempo.",
}
PAID_HOURS_NOTES = {
    K.ORDINARY: ("Borger ønsker flere timer; virksomheden ser på vagtplanen.", "Timetallet fastholdes."),
    K.SMALL_JOB: ("Drøftet en ekstra vagt om ugen, når borger er klar.", "Timetallet fastholdes."),
    K.WAGE_SUBSIDY: ("Drøftet ordinær ansættelse, når løntilskuddet udløber.",),
}
# What was agreed and by whom: "citizen", "contact" (the company's contact person) or "jf" (the jobformidler).
ACTIONS = [
    ("Undersøge om to praktiktimer kan veksles til løntimer", "contact"),
    ("Søge om befordringsgodtgørelse", "jf"),
    ("Kontakte egen læge om søvnproblemerne", "citizen"),
    ("Sende opdateret aftale til virksomheden", "jf"),
    ("Undersøge AMU-kursus i hygiejne", "jf"),
    ("Aftale fast oplæring i en ny opgave", "contact"),
    ("Booke tid hos gældsrådgivningen", "citizen"),
    ("Forberede midtvejsevaluering", "jf"),
    ("Følge op på fraværet i næste uge", "contact"),
]


@dataclass
class Employer:
    company: Company
    workplaces: list[Workplace]
    contacts: list[ContactPerson]
    job_title: str
    tasks: str


@dataclass
class Course:
    placement: Placement
    owner: User
    mood: str  # "good", "mixed" or "hard": how the ratings lean
    overdue: int
    schedule: list[ScheduledVisit] = field(default_factory=list)


def create_demo_data(today: date | None = None) -> None:
    """Fill an empty database with the demo municipality and commit."""
    today = today or local_today()
    rng = random.Random(SEED)
    template = ensure_default_template()
    users = _create_staff()
    employers = _create_employers(rng)
    courses = _create_citizens(rng, today, users, employers)
    for course in courses:
        course.schedule = generate_schedule(course.placement)
        _settle_past_visits(rng, today, course)
    _tune_main_caseload(today, [c for c in courses if c.owner.username == JOBFORMIDLERE[0]])
    for course in courses:
        _create_visits(rng, today, template, course)
        _complete_if_goal_reached(course.placement)
    db.session.flush()
    _create_contacts(rng, today, courses)
    _create_feedback_and_meetings(rng, today, users, courses)
    db.session.commit()


CONTACT_TOPICS = [
    ("phone", "Spørger om flere timer fra næste måned"),
    ("sms", "Syg i dag, kommer i morgen"),
    ("email", "Virksomheden vil gerne tale om ny opgave"),
    ("phone", "Bekymret for transporten i vinterferien"),
    ("meeting", "Kort snak om vagtplanen"),
    ("at_company", "Kontaktpersonen melder om god fremgang"),
]


def _create_contacts(rng: random.Random, today: date, courses: list[Course]) -> None:
    """Calls, messages and meetings between visits (issue 17): most answered in time, a few late, some
    waiting on the home page (one overdue), and weekly contact before the planned courses start."""
    from app.contacts.services import configured_deadline

    now = _local(today, 10 * 60)
    for n, course in enumerate(courses):
        placement, owner = course.placement, course.owner
        for k in range(rng.randint(1, 3)):
            channel, about = CONTACT_TOPICS[(n + k) % len(CONTACT_TOPICS)]
            came_in = now - timedelta(days=rng.randint(2, 80), minutes=rng.randint(0, 400))
            late = rng.random() < 0.1
            due = configured_deadline(came_in)
            answered = due + timedelta(hours=3) if late else came_in + timedelta(hours=rng.randint(1, 20))
            db.session.add(_contact(placement, owner, channel, about, came_in, due, min(answered, now)))
        if placement.status == PlacementStatus.PLANNED or placement.start_date >= today - timedelta(days=90):
            # Registered three weeks before the start, with a call most weeks of the run-up.
            registered = min(placement.start_date - timedelta(days=21), today - timedelta(days=1))
            placement.created_at = min(placement.created_at, _local(registered, 9 * 60))
            start_monday = placement.start_date - timedelta(days=placement.start_date.weekday())
            for week in range(1, 4):
                if rng.random() < 0.8:
                    day = start_monday - timedelta(weeks=week) + timedelta(days=rng.randint(0, 4))
                    if day < today:
                        came_in = _local(day, 9 * 60 + rng.randint(0, 300))
                        db.session.add(
                            _contact(placement, owner, "phone", "Snak om opstarten", came_in, None, None)
                        )
    main = [c for c in courses if c.owner.username == JOBFORMIDLERE[0]][:3]
    for hours_ago, course in zip((30, 5, 1), main, strict=False):
        came_in = now - timedelta(hours=hours_ago)
        db.session.add(
            _contact(
                course.placement,
                course.owner,
                "phone",
                "Ringede og bad om at blive ringet op",
                came_in,
                configured_deadline(came_in),
                None,
            )
        )


def _contact(
    placement: Placement,
    owner: User,
    channel: str,
    about: str,
    came_in: datetime,
    due: datetime | None,
    answered: datetime | None,
) -> Contact:
    return Contact(
        uuid=uuid.uuid4(),
        citizen=placement.citizen,
        placement=placement,
        party=ContactParty.CONTACT_PERSON
        if channel == "at_company" and placement.contact_person
        else ContactParty.CITIZEN,
        contact_person=placement.contact_person if channel == "at_company" else None,
        channel=ContactChannel(channel),
        came_in_at=came_in,
        about=about,
        needs_answer=due is not None,
        answer_due_at=due,
        answered_at=answered,
        answered_by=owner if answered else None,
        recorded_by=owner,
        content_hash=uuid.uuid4().hex,
        recorded_at=came_in,
        received_at=came_in,
    )


def _create_feedback_and_meetings(
    rng: random.Random, today: date, users: dict[str, User], courses: list[Course]
) -> None:
    """The leder's feedback on recent visits of two of the three jobformidlere, a colleague taking part in
    one, and two team meetings that discussed citizens' hours (one without, to show a share)."""
    leder = users["leder"]
    recent = _local(today, 0) - timedelta(days=25)
    for username in JOBFORMIDLERE[:2]:
        visits = [
            v
            for c in courses
            if c.owner.username == username
            for v in c.placement.visits
            if v.performed_at >= recent
        ]
        if visits:
            visit = rng.choice(visits)
            db.session.add(
                VisitFeedback(
                    visit=visit,
                    given_by=leder,
                    took_part=True,
                    feedback="God dialog om timerne; husk at spørge ind til transporten næste gang.",
                    given_at=visit.performed_at + timedelta(days=1),
                )
            )
    team_id = leder.team.id
    in_course = [
        c for c in courses if c.placement.status in (PlacementStatus.ACTIVE, PlacementStatus.COMPLETED)
    ]
    for days_ago, discussed in ((40, in_course[:6]), (12, in_course[:8]), (5, [])):
        meeting = TeamMeeting(
            team_id=team_id,
            held_on=today - timedelta(days=days_ago),
            recorded_by=leder,
            successes_discussed=bool(discussed),
            note="Status på borgernes ordinære timer" if discussed else "Planlægning af ferie",
        )
        for course in discussed:
            hours = course.placement.paid_hours_per_week + (Decimal(2) if days_ago < 40 else Decimal(0))
            meeting.citizens.append(
                TeamMeetingCitizen(citizen=course.placement.citizen, paid_hours_per_week=hours)
            )
        db.session.add(meeting)


def _complete_if_goal_reached(placement: Placement) -> None:
    """The rule the app applies after each visit: 30 ordinary paid hours a month complete a course."""
    if placement.is_open and course_progress(placement).goal_reached:
        placement.status = PlacementStatus.COMPLETED
        placement.citizen.status = CitizenStatus.COMPLETED
        placement.ended_reason = "goal_reached"


def _local(day: date, minutes: int) -> datetime:
    """`minutes` after local midnight on `day`, as an aware UTC datetime."""
    naive = datetime(day.year, day.month, day.day) + timedelta(minutes=minutes)
    return naive.replace(tzinfo=zone()).astimezone(UTC)


def _slug(text: str) -> str:
    table = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", " ": ".", "é": "e"})
    return text.lower().translate(table)


def _phone(rng: random.Random) -> str:
    digits = str(rng.randint(20_000_000, 61_999_999))
    return " ".join(digits[i : i + 2] for i in range(0, 8, 2))


def _hours(value: Decimal) -> str:
    """Hours the Danish way: 12,5 and 10 (not 1E+1)."""
    return format(value.normalize(), "f").replace(".", ",")


def random_cvr(rng: random.Random, taken: set[str]) -> str:
    """A fictional but valid CVR number: 7 random digits and the check digit that fits, if one does."""
    while True:
        head = [rng.randint(1, 4)] + [rng.randint(0, 9) for _ in range(6)]
        check = -sum(d * w for d, w in zip(head, (2, 7, 6, 5, 4, 3, 2), strict=True)) % 11
        cvr = "".join(map(str, head)) + str(check)
        if check < 10 and is_valid_cvr(cvr) and cvr not in taken:
            taken.add(cvr)
            return cvr


def _create_staff() -> dict[str, User]:
    password_hash = hash_password(DEMO_PASSWORD)  # once: Argon2 is slow on purpose
    team = Team(name=TEAM_NAME)
    users = {
        username: User(
            username=username,
            full_name=full_name,
            role=role,
            team=None if role == Role.ADMIN else team,
            email=f"{initials}@demo-kommune.example",
            phone=f"96 28 {40 + i:02d} {10 + 7 * i:02d}",
            password_hash=password_hash,
        )
        for i, (username, full_name, role, initials) in enumerate(STAFF)
    }
    db.session.add_all([team, *users.values()])
    return users


def _create_employers(rng: random.Random) -> list[Employer]:
    cvrs: set[str] = set()
    p_numbers = [str(n) for n in rng.sample(range(1_000_000_000, 1_030_000_000), 2 * len(COMPANIES))]
    employers = []
    for (name, domain, street, town), (job_title, tasks), contacts, unit in COMPANIES:
        postcode, city = town.split(" ", 1)
        company = Company(
            cvr=random_cvr(rng, cvrs),
            name=name,
            address=street,
            postcode=postcode,
            city=city,
            phone=_phone(rng),
            email=f"kontakt@{domain}",
        )
        units = [(name, street, town)] + ([unit] if unit else [])
        workplaces = [
            Workplace(
                company=company,
                p_number=p_numbers.pop(),
                name=unit_name,
                address=unit_street,
                postcode=unit_town[:4],
                city=unit_town[5:],
            )
            for unit_name, unit_street, unit_town in units
        ]
        people = [
            ContactPerson(
                company=company,
                workplace=workplaces[i % len(workplaces)],
                name=person,
                title=title,
                phone=_phone(rng),
                email=f"{_slug(person)}@{domain}",
            )
            for i, (person, title) in enumerate(contacts)
        ]
        db.session.add_all([company, *workplaces, *people])
        employers.append(Employer(company, workplaces, people, job_title, tasks))
    return employers


def _create_citizens(
    rng: random.Random, today: date, users: dict[str, User], employers: list[Employer]
) -> list[Course]:
    case_numbers = rng.sample(range(100, 9_000), len(CITIZENS))
    employer_order = rng.sample(employers, len(employers)) * 2
    courses = []
    for i, (first, last, owner_index, kind, start, status, end, overdue) in enumerate(CITIZENS):
        owner = users[JOBFORMIDLERE[owner_index]]
        citizen = Citizen(
            first_name=first,
            last_name=last,
            jobformidler=owner,
            phone=_phone(rng),
            email=f"{_slug(first)}.{_slug(last)}@borgermail.example" if i % 2 == 0 else None,
            status=CitizenStatus.MATCHING if kind is None else CITIZEN_STATUS[status],
        )
        # The case was opened a month or two before the course started (or recently, if still matching).
        opened = today + timedelta(days=start - rng.randint(30, 60) if kind else -rng.randint(10, 60))
        citizen.case_ref = f"SAG-{opened.year}-{case_numbers[i]:05d}"
        citizen.created_at = _local(min(opened, today - timedelta(days=1)), 9 * 60)
        db.session.add(citizen)
        if kind is not None:
            n = len(courses)
            placement = _create_placement(rng, n, citizen, employer_order[n], kind, status)
            placement.start_date = today + timedelta(days=start)
            placement.end_date = today + timedelta(days=end) if end is not None else None
            if kind in (PlacementKind.INTERNSHIP, PlacementKind.MIXED):
                # Internships are agreed for a limited period (13 weeks, extended at need).
                placement.planned_end_date = placement.start_date + timedelta(weeks=13)
            _fill_agreement(rng, today, n, placement)
            mood = MOODS.get(status) or rng.choice(["good", "good", "mixed"])
            courses.append(Course(placement, owner, mood, overdue))
    return courses


def _create_placement(
    rng: random.Random,
    n: int,
    citizen: Citizen,
    employer: Employer,
    kind: PlacementKind,
    status: PlacementStatus,
) -> Placement:
    workplace = rng.choice(employer.workplaces)
    contacts = [c for c in employer.contacts if c.workplace is workplace] or employer.contacts
    placement = Placement(
        citizen=citizen,
        workplace=workplace,
        contact_person=None if n % 5 == 3 else contacts[0],  # 8 in 10 have a fixed contact person
        kind=kind,
        status=status,
        ended_reason=ENDED_REASONS.get(status),
        job_title=employer.job_title,
        tasks=employer.tasks,
        created_by=citizen.jobformidler,
    )
    db.session.add(placement)
    return placement


def _fill_agreement(rng: random.Random, today: date, n: int, placement: Placement) -> None:
    """The written agreement: usually made before the start; for about 1 in 10 after it or not at all."""
    paid, internship = AGREED_HOURS[placement.kind]
    placement.paid_hours_per_week = Decimal(rng.choice(paid))
    placement.internship_hours_per_week = Decimal(rng.choice(internship))
    total = placement.paid_hours_per_week + placement.internship_hours_per_week
    days = min(5, max(2, round(total / 5)))
    end = 8 * 60 + round(total / days * 4) * 15  # to the nearest quarter of an hour
    placement.working_hours = f"{DAYS[days].capitalize()} kl. 8.00-{end // 60}.{end % 60:02d}"
    placement.purpose = rng.choice(PURPOSES[placement.kind])
    start = placement.start_date
    if n == MISSING_AGREEMENT:
        placement.created_at = _local(min(start, today - timedelta(days=1)), 9 * 60)
        return
    agreed = start + timedelta(days=4) if n in LATE_AGREEMENTS else start - timedelta(days=rng.randint(3, 21))
    placement.agreement_date = min(agreed, today)
    placement.sub_goals = SUB_GOALS[placement.purpose]
    placement.considerations = rng.choice(CONSIDERATIONS)
    placement.created_at = _local(min(placement.agreement_date, start, today - timedelta(days=1)), 9 * 60)


def _settle_past_visits(rng: random.Random, today: date, course: Course) -> None:
    """Past follow-ups were done, a few cancelled; the latest `course.overdue` are still waiting."""
    for sv in course.schedule:
        sv.created_at = course.placement.created_at
    past = [sv for sv in course.schedule if sv.due_date < today]
    for sv in past[: len(past) - course.overdue]:
        if rng.random() < 0.07:
            sv.status = ScheduledVisitStatus.CANCELLED
            sv.cancelled_at = _local(sv.due_date - timedelta(days=1), 14 * 60)
        else:
            sv.status = ScheduledVisitStatus.DONE


def _tune_main_caseload(today: date, courses: list[Course]) -> None:
    """Make the main demo user's day interesting: two visits due today and two more within a week."""
    active = [c for c in courses if c.placement.status == S.ACTIVE]
    upcoming = sorted(
        (sv for c in active if (sv := next((v for v in c.schedule if v.due_date >= today), None))),
        key=lambda sv: (sv.due_date, sv.placement.citizen.case_ref),
    )
    for sv in upcoming[:2]:
        sv.due_date = today
    for offset, sv in zip((2, 5), upcoming[2:4], strict=False):
        sv.due_date = min(sv.due_date, today + timedelta(days=offset))


def _create_visits(rng: random.Random, today: date, template: ChecklistTemplate, course: Course) -> None:
    placement = course.placement
    live = [sv for sv in course.schedule if sv.status != ScheduledVisitStatus.CANCELLED]
    previous_paid = placement.paid_hours_per_week
    for index, sv in enumerate(live):
        if sv.status != ScheduledVisitStatus.DONE:
            continue
        day = _visit_day(rng, today, placement, sv.due_date)
        months = (day - placement.start_date).days / 30.4
        paid, internship = _hours_at(placement, course.mood, months)
        can_convert, hours_note = _hours_talk(rng, placement, months, paid - previous_paid)
        previous_paid = paid
        performed_at = _local(day, 600 + 5 * rng.randint(-18, 24))
        completed_at = performed_at + timedelta(minutes=rng.randint(40, 150))
        following = live[index + 1] if index + 1 < len(live) else None
        visit = Visit(
            uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
            placement=placement,
            scheduled_visit=sv,
            template=template,
            performed_by=course.owner,
            performed_at=performed_at,
            on_site=rng.random() > 0.08,
            present=_present(placement, course.owner),
            answers=_answers(rng, template, course.mood, months),
            paid_hours_per_week=paid,
            internship_hours_per_week=internship,
            hours_discussed=can_convert != ConvertAnswer.NOT_DISCUSSED,
            can_convert=can_convert,
            hours_note=hours_note,
            actions=_actions(rng, day, placement, course.owner),
            next_visit_date=following.due_date if following else None,
            state=VisitState.COMPLETED,
            completed_at=completed_at,
            created_at=performed_at,
            updated_at=completed_at,
        )
        db.session.add(visit)


def _visit_day(rng: random.Random, today: date, placement: Placement, due: date) -> date:
    """A weekday near the due date, after the start, before today and not after the course ended."""
    day = due + timedelta(days=rng.randint(-2, 3))
    if day.weekday() >= 5:
        day += timedelta(days=7 - day.weekday()) if day.weekday() == 6 else timedelta(days=-1)
    latest = min(today - timedelta(days=1), placement.end_date or today)
    return max(min(day, latest), placement.start_date)


def _hours_at(placement: Placement, mood: str, months: float) -> tuple[Decimal, Decimal]:
    """Paid and internship hours per week `months` into the course: how the demo citizens progress."""
    paid, internship = placement.paid_hours_per_week, placement.internship_hours_per_week
    if placement.kind == K.ORDINARY:
        paid = min(paid + Decimal("2.5") * int(months / 3), Decimal(37))
    elif placement.kind == K.SMALL_JOB:
        paid = min(paid + int(months / 2), Decimal(12))
    elif placement.kind == K.MIXED:  # internship hours exchanged for paid hours, two a month from month 2
        converted = min(internship, Decimal(2 * max(0, int(months) - 1)))
        paid, internship = paid + converted, internship - converted
    elif placement.kind == K.INTERNSHIP and mood == "hard":
        internship = max(internship - 2 * int(months), Decimal(4))
    elif placement.kind == K.INTERNSHIP and months >= 2:
        internship += 2
    return paid, internship


def _hours_talk(
    rng: random.Random, placement: Placement, months: float, paid_increase: Decimal
) -> tuple[ConvertAnswer | None, str | None]:
    """Can internship hours be converted (None: the course has none), and the note on hours."""
    has_internship = placement.kind in (K.INTERNSHIP, K.MIXED)
    if paid_increase > 0:
        answer = ConvertAnswer.YES if has_internship else None
        return answer, f"{_hours(paid_increase)} timer mere om ugen som ordinære løntimer siden sidst."
    if rng.random() < 0.08:
        return ConvertAnswer.NOT_DISCUSSED, None
    if not has_internship:
        return None, rng.choice(PAID_HOURS_NOTES[placement.kind])
    if months < 1:
        return ConvertAnswer.NO, "For tidligt – borger er stadig under oplæring."
    answer = rng.choice([ConvertAnswer.PARTLY, ConvertAnswer.PARTLY, ConvertAnswer.NO, ConvertAnswer.YES])
    return answer, CONVERT_NOTES[answer]


def _answers(rng: random.Random, template: ChecklistTemplate, mood: str, months: float) -> dict:
    weights = RATING_WEIGHTS["mixed" if mood == "good" and months < 1 else mood]
    answers = {}
    for item in template.items:
        rating = rng.choices(RATINGS, weights)[0]
        notes = NOTES.get(item.key, {}).get(rating, GENERIC_NOTES)
        answers[item.key] = {"rating": rating, "note": rng.choice(notes)}
    return answers


def _present(placement: Placement, owner: User) -> str:
    contact = placement.contact_person
    company_side = f"kontaktperson {contact.name}" if contact else "nærmeste leder"
    return f"Borger {placement.citizen.full_name}, {company_side}, jobformidler {owner.full_name}"


def _actions(rng: random.Random, day: date, placement: Placement, owner: User) -> list[dict]:
    contact = placement.contact_person
    who = {
        "citizen": placement.citizen.full_name,
        "contact": contact.name if contact else placement.workplace.name,
        "jf": owner.full_name,
    }
    return [
        {"what": what, "who": who[role], "due": (day + timedelta(days=rng.randint(7, 28))).isoformat()}
        for what, role in rng.sample(ACTIONS, rng.choice([0, 1, 1, 2]))
    ]
