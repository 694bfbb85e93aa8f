"""The figures behind the synthetic population, each with where it comes from.

Everything here is data. `population.py` draws from it. The population is England-like, not England:
the shapes (age pyramid, sex ratio by age, list sizes, opt-out rates by age and sex, the 2018 Type 2
conversion and the June 2021 surge) follow published figures; the people are invented.

Sources (see shared/reference/ndop-system.md for the S-numbers):
- ONS: "Population estimates for England and Wales: mid-2022" (MYE2, persons and females by
  single year of age), England, rounded to the nearest 50,000 here.
- NHS Digital: "Patients Registered at a GP Practice" (monthly; 2023-24 issues): about 6,300 practices
  in England, about 63 million registrations, so a mean list of about 10,000 and a long right tail.
- ONS: Census 2021 LSOAs: 33,755 LSOAs in England, about 1,700 residents each (1,000 to 3,000).
- ONS: National life tables, England, 2020-2022: death rates q(x) by age, rounded.
- NDOP statistics, ndop-system.md §6.3 [S25, S26]: rates by age and sex; §3.3 [S22, S23]: the Type 2
  conversion of 25 May 2018 to 11 October 2018; §6.3 [S25 BJGP Open 2024]: 1,339,862 opt-outs in June 2021.
- Ofcom, "Numbers reserved for TV and radio drama": mobiles 07700 900000 to 07700 900999 (fiction only).
- RFC 2606: example.com for e-mail addresses.
Figures marked ASSUMPTION are not published; they are plausible choices, stated so they can be changed.
"""

from __future__ import annotations

from datetime import date
from typing import Final

# ---- Ages -------------------------------------------------------------------------------------------
# ONS mid-2022, England, thousands of people by five-year band 0-4, 5-9, ..., 85-89, 90+ (rounded).
AGE_BAND_THOUSANDS: Final = (
    3150, 3400, 3500, 3300, 3500, 3800, 3950, 3850, 3650, 3550,
    3900, 3900, 3400, 2900, 2800, 2200, 1450, 850, 550,
)
AGE_BAND_WIDTH: Final = 5
OLDEST_AGE: Final = 104  # the 90+ band is spread over 90..104, thinning with age (ASSUMPTION: q(x) below)

# Share of each band that is female. ONS mid-2022 England: boys outnumber girls at birth (105:100),
# the sexes are even through middle age, and women outnumber men from the 70s on.
FEMALE_SHARE_BY_BAND: Final = (
    0.488, 0.488, 0.488, 0.487, 0.494, 0.503, 0.506, 0.508, 0.507, 0.507,
    0.506, 0.505, 0.510, 0.518, 0.525, 0.540, 0.565, 0.610, 0.690,
)

# PDS administrative gender 0 (not known) and 9 (not specified) are rare. ASSUMPTION: 1 in 5,000 and
# 1 in 2,000 of records.
GENDER_NOT_KNOWN_SHARE: Final = 0.0002
GENDER_NOT_SPECIFIED_SHARE: Final = 0.0005

# ---- Deaths -----------------------------------------------------------------------------------------
# ONS national life tables, England 2020-22: probability of dying within a year, by five-year band
# (rounded; the 0-4 band carries infant mortality). A record is deceased when the person died in the
# 365 days before the as-of date; the stored record keeps their last choice (§0 [S31]).
DEATH_RATE_BY_BAND: Final = (
    0.0008, 0.0001, 0.0001, 0.0003, 0.0004, 0.0005, 0.0007, 0.0010, 0.0014, 0.0021,
    0.0032, 0.0050, 0.0080, 0.0120, 0.0190, 0.0320, 0.0580, 0.1050, 0.2300,
)

# ---- Registration and geography --------------------------------------------------------------------
# NHS Digital "Patients Registered at a GP Practice": mean list about 10,000; the median practice is
# smaller (about 8,500) with a long tail of large practices (lognormal fits the published sizes well).
MEAN_LIST_SIZE: Final = 10_000
LIST_SIZE_MEDIAN: Final = 8_500
LIST_SIZE_SIGMA: Final = 0.6  # ASSUMPTION: spread of log list sizes, close to the published quantiles
# Census 2021: 33,755 LSOAs in England, about 1,700 residents each.
LSOAS_IN_ENGLAND: Final = 33_755
RESIDENTS_PER_LSOA: Final = 1_700
POSTCODES_PER_LSOA: Final = 15  # ONS postcode directory: about 15 unit postcodes per LSOA (rounded)
# ASSUMPTION: people registered nowhere (no practice code) and addresses that map to no LSOA.
UNREGISTERED_SHARE: Final = 0.005
NO_LSOA_SHARE: Final = 0.002

# Postcode areas of England (Royal Mail), used to build well-formed, England-looking postcodes.
POSTCODE_AREAS: Final = (
    "AL", "B", "BA", "BB", "BD", "BH", "BL", "BN", "BR", "BS", "CA", "CB", "CH", "CM", "CO", "CR", "CT",
    "CV", "CW", "DA", "DE", "DH", "DL", "DN", "DT", "DY", "E", "EC", "EN", "EX", "FY", "GL", "GU", "HA",
    "HD", "HG", "HP", "HR", "HU", "HX", "IG", "IP", "KT", "L", "LA", "LE", "LN", "LS", "LU", "M", "ME",
    "MK", "N", "NE", "NG", "NN", "NR", "NW", "OL", "OX", "PE", "PL", "PO", "PR", "RG", "RH", "RM", "S",
    "SE", "SG", "SK", "SL", "SM", "SN", "SO", "SP", "SR", "SS", "ST", "SW", "TA", "TF", "TN", "TQ", "TR",
    "TS", "TW", "UB", "W", "WA", "WC", "WD", "WF", "WN", "WR", "WS", "WV", "YO",
)
# The post town of each postcode area (Royal Mail), for synthetic addresses.
POST_TOWNS: Final = {
    "AL": "St Albans", "B": "Birmingham", "BA": "Bath", "BB": "Blackburn", "BD": "Bradford", "BH": "Bournemouth",
    "BL": "Bolton", "BN": "Brighton", "BR": "Bromley", "BS": "Bristol", "CA": "Carlisle", "CB": "Cambridge",
    "CH": "Chester", "CM": "Chelmsford", "CO": "Colchester", "CR": "Croydon", "CT": "Canterbury", "CV": "Coventry",
    "CW": "Crewe", "DA": "Dartford", "DE": "Derby", "DH": "Durham", "DL": "Darlington", "DN": "Doncaster",
    "DT": "Dorchester", "DY": "Dudley", "E": "London", "EC": "London", "EN": "Enfield", "EX": "Exeter",
    "FY": "Blackpool", "GL": "Gloucester", "GU": "Guildford", "HA": "Harrow", "HD": "Huddersfield",
    "HG": "Harrogate", "HP": "Hemel Hempstead", "HR": "Hereford", "HU": "Hull", "HX": "Halifax", "IG": "Ilford",
    "IP": "Ipswich", "KT": "Kingston upon Thames", "L": "Liverpool", "LA": "Lancaster", "LE": "Leicester",
    "LN": "Lincoln", "LS": "Leeds", "LU": "Luton", "M": "Manchester", "ME": "Rochester", "MK": "Milton Keynes",
    "N": "London", "NE": "Newcastle upon Tyne", "NG": "Nottingham", "NN": "Northampton", "NR": "Norwich",
    "NW": "London", "OL": "Oldham", "OX": "Oxford", "PE": "Peterborough", "PL": "Plymouth", "PO": "Portsmouth",
    "PR": "Preston", "RG": "Reading", "RH": "Redhill", "RM": "Romford", "S": "Sheffield", "SE": "London",
    "SG": "Stevenage", "SK": "Stockport", "SL": "Slough", "SM": "Sutton", "SN": "Swindon", "SO": "Southampton",
    "SP": "Salisbury", "SR": "Sunderland", "SS": "Southend-on-Sea", "ST": "Stoke-on-Trent", "SW": "London",
    "TA": "Taunton", "TF": "Telford", "TN": "Tonbridge", "TQ": "Torquay", "TR": "Truro", "TS": "Middlesbrough",
    "TW": "Twickenham", "UB": "Southall", "W": "London", "WA": "Warrington", "WC": "London", "WD": "Watford",
    "WF": "Wakefield", "WN": "Wigan", "WR": "Worcester", "WS": "Walsall", "WV": "Wolverhampton", "YO": "York",
}
# Among the commonest street names in England (ONS/Royal Mail lists); a postcode unit has one street.
STREET_NAMES: Final = (
    "High Street", "Station Road", "Main Street", "Park Road", "Church Road", "Church Street", "London Road",
    "Victoria Road", "Green Lane", "Manor Road", "Church Lane", "Park Avenue", "The Avenue", "The Crescent",
    "Queens Road", "New Road", "Grange Road", "Kings Road", "Kingsway", "Windsor Road", "Highfield Road",
    "Mill Lane", "Alexandra Road", "York Road", "St Johns Road", "Main Road", "Broadway", "King Street",
    "The Green", "Springfield Road", "George Street", "Park Lane", "Victoria Street", "Albert Road",
    "Queensway", "New Street", "Queen Street", "West Street", "North Street", "Manchester Road",
)
FLAT_SHARE: Final = 0.15  # ASSUMPTION: about one address in seven is a flat (ONS: 22% of dwellings are flats)
# Royal Mail: the last two letters of a postcode never use C, I, K, M, O or V.
POSTCODE_UNIT_LETTERS: Final = "ABDEFGHJLNPQRSTUWXYZ"
# ODS GP practice codes are a letter and five digits; the letter was the old region (A to Y).
PRACTICE_CODE_LETTERS: Final = "ABCDEFGHJKLMNPY"

# ---- Contact details on the demographic record -----------------------------------------------------
# ASSUMPTION: share of records with a mobile / an e-mail address, by age. PDS contact details are
# incomplete (GP practices are asked to keep them up to date, ndop-system.md §1 [S21]); children
# rarely have their own. Bands: under 11, 11-15, 16-64, 65-79, 80+.
CONTACT_AGE_EDGES: Final = (11, 16, 65, 80)
MOBILE_SHARE: Final = (0.02, 0.40, 0.85, 0.70, 0.40)
EMAIL_SHARE: Final = (0.00, 0.15, 0.55, 0.35, 0.15)

# ASSUMPTION: records flagged sensitive (restricted, S-flag) on PDS: about 1 in 1,000.
SENSITIVE_SHARE: Final = 0.001
# ASSUMPTION: records whose number was replaced by another (adoption, gender reassignment, duplicate
# merges, ndop-system.md §8 [S45]): about 1 in 1,000 rows are the old number, pointing to the new one.
SUPERSEDED_SHARE: Final = 0.001

# ---- Opt-outs ---------------------------------------------------------------------------------------
# April 2022 female opt-out rates (%) by ten-year band 0-9 ... 80-89 (§6.3 [S26]); 90+ is taken as
# equal to 80-89 (ASSUMPTION: not published in what we found).
FEMALE_RATE_BY_DECADE: Final = (1.67, 3.12, 7.03, 8.06, 7.52, 7.19, 6.94, 6.13, 4.47, 4.47)
# June 2021: females 5.53%, males 4.41% (§6.3 [S25]): men opt out at about 0.80 of women's rate.
MALE_TO_FEMALE_RATE: Final = 4.41 / 5.53
# England rate 2.72% in May 2021 and 4.97% in June 2021 (§6.3 [S25]); the default for --opt-out-rate.
DEFAULT_OPT_OUT_RATE: Final = 0.0540  # ASSUMPTION: about the 2022-23 level, after the 2021 surge

# When the choices were made.
SERVICE_LAUNCH: Final = date(2018, 5, 25)  # §3.3 [S22]: launch, and the Type 2 conversion
TYPE2_LAST_CONVERSION: Final = date(2018, 10, 11)  # §3.3 [S21, S22]
SURGE_START: Final = date(2021, 5, 31)  # §6.3 [S25 BJGP Open 2024]: GPDPR
SURGE_END: Final = date(2021, 6, 30)
# About 1.5 million Type 2 opt-outs were converted (150,000 was "about 10%", §3.3 [S23]) and
# 1,339,862 opt-outs were recorded in June 2021, of about 3 million in all by mid-2021: so roughly
# 0.35 of today's opt-outs are converted Type 2 and 0.30 date from the surge (ASSUMPTION: shares of
# those left after deaths and later changes).
TYPE2_SHARE: Final = 0.35
# ---- The GP extract (gp_codes.csv, issue 14) -------------------------------------------------------------
# Type 2 codes could be recorded from January 2014 (care.data; §3.1: not honoured until April 2016).
TYPE2_FIRST_CODE: Final = date(2014, 1, 1)
# ASSUMPTION: a few people set a Type 2 and withdrew it before the cut-off, and a few had one set after it
# (practices were told to search for those, §3.3): 0.2% and 0.1% of people.
TYPE2_WITHDRAWN_SHARE: Final = 0.002
TYPE2_LATE_SHARE: Final = 0.001
# 2,085,450 people had a Type 1 objection in March 2018 (§3.4 [S33 RCGP]), about 3.4% of ~60 million
# registered: 3.6% set one, and ASSUMPTION: 1 in 18 of them withdrew it later, leaving about 3.4%.
TYPE1_SET_SHARE: Final = 0.036
TYPE1_WITHDRAWN_SHARE: Final = 1 / 18
TYPE1_FIRST_CODE: Final = date(2013, 6, 1)  # 9Nu0 came with care.data in 2013
# ASSUMPTION: 0.5% of people have an unrelated consent code (SCR dissent, 9Ndo), which the import ignores.
UNRELATED_CODE_SHARE: Final = 0.005
SNOMED_FROM: Final = date(2018, 4, 1)  # codes were mapped to SNOMED CT from 1 April 2018 (§3.2)
CTV3_SHARE: Final = 0.35  # ASSUMPTION: SystmOne practices (CTV3) before SNOMED CT; the rest Read v2 (EMIS)
NO_TRAILING_DOT_SHARE: Final = 0.2  # ASSUMPTION: some systems write Read v2 codes without the trailing dot
UNKNOWN_PRACTICE: Final = "V81999"  # the ODS code for an unknown practice, for people with none on record
SURGE_SHARE: Final = 0.30
# The channels of the rest (ASSUMPTION: online dominates; the NHS App from 2019; phone and post few).
# Order: OP, PFSP, FN, CC, PP.
OTHER_CHANNELS: Final = ("OP", "PFSP", "FN", "CC", "PP")
OTHER_CHANNEL_SHARES: Final = (0.62, 0.15, 0.03, 0.12, 0.08)
# ASSUMPTION: for every 10 people opted out now, 1 opted out and later opted back in (two events).
CHANGED_MIND_RATIO: Final = 0.10
# ASSUMPTION: among choices for people aged 80 or over, 3 in 100 are made by a lasting power of attorney.
POA_SHARE_OVER_80: Final = 0.03

# ---- Names (ONS baby names and common surnames, England and Wales; the top of each list) ------------
GIVEN_NAMES_FEMALE: Final = (
    "Olivia", "Amelia", "Isla", "Ava", "Mia", "Ivy", "Lily", "Isabella", "Sophia", "Grace",
    "Emily", "Jessica", "Sarah", "Hannah", "Charlotte", "Lucy", "Emma", "Rebecca", "Laura", "Sophie",
    "Susan", "Margaret", "Patricia", "Elizabeth", "Mary", "Jean", "Linda", "Karen", "Helen", "Julie",
    "Fatima", "Aisha", "Zara", "Priya", "Chloe", "Ella", "Freya", "Poppy", "Evie", "Alice",
)
GIVEN_NAMES_MALE: Final = (
    "Noah", "Oliver", "George", "Arthur", "Muhammad", "Leo", "Harry", "Oscar", "Archie", "Henry",
    "Jack", "Thomas", "James", "Daniel", "Joshua", "Samuel", "William", "Matthew", "Ryan", "Adam",
    "David", "John", "Michael", "Paul", "Peter", "Robert", "Stephen", "Andrew", "Mark", "Richard",
    "Mohammed", "Ali", "Omar", "Arjun", "Jacob", "Charlie", "Freddie", "Alfie", "Theo", "Ethan",
)
FAMILY_NAMES: Final = (
    "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson",
    "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes", "Green", "Hall",
    "Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood", "Turner", "Martin", "Cooper", "Hill",
    "Ward", "Morris", "Moore", "Clark", "Lee", "King", "Baker", "Harrison", "Morgan", "Allen",
    "James", "Scott", "Phillips", "Watson", "Davis", "Parker", "Price", "Bennett", "Young", "Griffiths",
    "Mitchell", "Kelly", "Cook", "Carter", "Richardson", "Bailey", "Collins", "Bell", "Shaw", "Murphy",
    "Khan", "Ahmed", "Ali", "Hussain", "Begum", "Singh", "Kaur", "Shah", "Miah", "Nowak",
)
