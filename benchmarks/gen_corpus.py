#!/usr/bin/env python3
"""Generate a deterministic, realistic-looking synthetic news corpus for digest.

    python benchmarks/gen_corpus.py --n 10000 --seed 1 --out DIR

writes N articles to DIR/content/articles/*.md (Markdown with YAML front matter:
id, title, source, url, date) and DIR/truth.jsonl (one line per event: the ids of
the articles that cover it, for checking an event-grouping algorithm).

Shape of the corpus:
- events, each covered by 2-6 of ~30 outlets, spread over one year; the articles
  of one event are dated within 1-3 days of each other;
- every event has its own entities (city, country, an invented district, landmark,
  people, organisations) that most sentences mention, so different events differ in
  their content words, while the articles of one event share facts and quotes;
- the headline number differs between outlets of an event ("at least 40" vs "43");
- body length is log-normal: most articles 300-900 words, a few up to ~3,500.

Output depends only on (--n, --seed): every event draws from its own RNG seeded by
(seed, event index), so the files are byte-identical whatever --jobs is.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import random
import re
import sys
import time
import unicodedata
from pathlib import Path

YEAR = 2025

OUTLETS = [
    "Reuters", "Associated Press", "AFP", "BBC News", "The Guardian", "The New York Times",
    "The Washington Post", "Al Jazeera", "Bloomberg", "Financial Times",
    "The Wall Street Journal", "CNN", "NPR", "Deutsche Welle", "France 24",
    "The Independent", "The Times", "Sky News", "ABC News", "CBS News", "NBC News",
    "The Economist", "Politico", "The Hindu", "South China Morning Post", "The Japan Times",
    "Le Monde", "El País", "Der Spiegel", "The Sydney Morning Herald", "The Globe and Mail",
    "Euronews",
]
WIRES = {"Reuters", "Associated Press", "AFP"}
OUTLET_WEIGHTS = [
    9, 8, 7, 7, 6, 6, 5, 5, 5, 4, 4, 5, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2,
]
OUTLETS_PER_EVENT = [2, 3, 4, 5, 6]
OUTLETS_PER_EVENT_WEIGHTS = [25, 30, 20, 15, 10]

CITIES = [
    ("Ankara", "Turkey"), ("Izmir", "Turkey"), ("Malatya", "Turkey"), ("Athens", "Greece"),
    ("Thessaloniki", "Greece"), ("Rome", "Italy"), ("Naples", "Italy"), ("Milan", "Italy"),
    ("Madrid", "Spain"), ("Valencia", "Spain"), ("Seville", "Spain"), ("Lisbon", "Portugal"),
    ("Porto", "Portugal"), ("Paris", "France"), ("Lyon", "France"), ("Marseille", "France"),
    ("Berlin", "Germany"), ("Hamburg", "Germany"), ("Munich", "Germany"),
    ("Cologne", "Germany"), ("Vienna", "Austria"), ("Graz", "Austria"), ("Zurich", "Switzerland"),
    ("Geneva", "Switzerland"), ("Brussels", "Belgium"), ("Antwerp", "Belgium"),
    ("Amsterdam", "the Netherlands"), ("Rotterdam", "the Netherlands"), ("Copenhagen", "Denmark"),
    ("Oslo", "Norway"), ("Bergen", "Norway"), ("Stockholm", "Sweden"), ("Gothenburg", "Sweden"),
    ("Helsinki", "Finland"), ("Warsaw", "Poland"), ("Krakow", "Poland"), ("Gdansk", "Poland"),
    ("Prague", "the Czech Republic"), ("Brno", "the Czech Republic"), ("Budapest", "Hungary"),
    ("Bucharest", "Romania"), ("Cluj-Napoca", "Romania"), ("Sofia", "Bulgaria"),
    ("Belgrade", "Serbia"), ("Zagreb", "Croatia"), ("Kyiv", "Ukraine"), ("Kharkiv", "Ukraine"),
    ("Odesa", "Ukraine"), ("Vilnius", "Lithuania"), ("Riga", "Latvia"), ("Tallinn", "Estonia"),
    ("Dublin", "Ireland"), ("Cork", "Ireland"), ("London", "Britain"), ("Manchester", "Britain"),
    ("Glasgow", "Britain"), ("Cardiff", "Britain"), ("Reykjavik", "Iceland"),
    ("Cairo", "Egypt"), ("Alexandria", "Egypt"), ("Tunis", "Tunisia"), ("Algiers", "Algeria"),
    ("Casablanca", "Morocco"), ("Rabat", "Morocco"), ("Lagos", "Nigeria"), ("Abuja", "Nigeria"),
    ("Kano", "Nigeria"), ("Accra", "Ghana"), ("Dakar", "Senegal"), ("Nairobi", "Kenya"),
    ("Mombasa", "Kenya"), ("Addis Ababa", "Ethiopia"), ("Kampala", "Uganda"),
    ("Dar es Salaam", "Tanzania"), ("Kinshasa", "Congo"), ("Luanda", "Angola"),
    ("Johannesburg", "South Africa"), ("Cape Town", "South Africa"), ("Durban", "South Africa"),
    ("Harare", "Zimbabwe"), ("Lusaka", "Zambia"), ("Maputo", "Mozambique"),
    ("Khartoum", "Sudan"), ("Beirut", "Lebanon"), ("Amman", "Jordan"), ("Baghdad", "Iraq"),
    ("Basra", "Iraq"), ("Tehran", "Iran"), ("Isfahan", "Iran"), ("Riyadh", "Saudi Arabia"),
    ("Jeddah", "Saudi Arabia"), ("Dubai", "the United Arab Emirates"), ("Doha", "Qatar"),
    ("Muscat", "Oman"), ("Karachi", "Pakistan"), ("Lahore", "Pakistan"),
    ("Islamabad", "Pakistan"), ("Kabul", "Afghanistan"), ("New Delhi", "India"),
    ("Mumbai", "India"), ("Chennai", "India"), ("Kolkata", "India"), ("Bengaluru", "India"),
    ("Dhaka", "Bangladesh"), ("Chittagong", "Bangladesh"), ("Colombo", "Sri Lanka"),
    ("Kathmandu", "Nepal"), ("Yangon", "Myanmar"), ("Bangkok", "Thailand"),
    ("Chiang Mai", "Thailand"), ("Hanoi", "Vietnam"), ("Ho Chi Minh City", "Vietnam"),
    ("Phnom Penh", "Cambodia"), ("Kuala Lumpur", "Malaysia"), ("Singapore", "Singapore"),
    ("Jakarta", "Indonesia"), ("Surabaya", "Indonesia"), ("Manila", "the Philippines"),
    ("Cebu", "the Philippines"), ("Beijing", "China"), ("Shanghai", "China"),
    ("Guangzhou", "China"), ("Chengdu", "China"), ("Wuhan", "China"), ("Hong Kong", "China"),
    ("Taipei", "Taiwan"), ("Seoul", "South Korea"), ("Busan", "South Korea"),
    ("Tokyo", "Japan"), ("Osaka", "Japan"), ("Sapporo", "Japan"), ("Ulaanbaatar", "Mongolia"),
    ("Almaty", "Kazakhstan"), ("Tashkent", "Uzbekistan"), ("Tbilisi", "Georgia"),
    ("Yerevan", "Armenia"), ("Baku", "Azerbaijan"), ("Sydney", "Australia"),
    ("Melbourne", "Australia"), ("Brisbane", "Australia"), ("Perth", "Australia"),
    ("Auckland", "New Zealand"), ("Wellington", "New Zealand"), ("Toronto", "Canada"),
    ("Montreal", "Canada"), ("Vancouver", "Canada"), ("Calgary", "Canada"),
    ("New York", "the United States"), ("Chicago", "the United States"),
    ("Houston", "the United States"), ("Phoenix", "the United States"),
    ("Miami", "the United States"), ("Seattle", "the United States"),
    ("Denver", "the United States"), ("Atlanta", "the United States"),
    ("New Orleans", "the United States"), ("Los Angeles", "the United States"),
    ("Mexico City", "Mexico"), ("Guadalajara", "Mexico"), ("Monterrey", "Mexico"),
    ("Guatemala City", "Guatemala"), ("San Salvador", "El Salvador"), ("Havana", "Cuba"),
    ("Port-au-Prince", "Haiti"), ("Bogota", "Colombia"), ("Medellin", "Colombia"),
    ("Caracas", "Venezuela"), ("Quito", "Ecuador"), ("Guayaquil", "Ecuador"),
    ("Lima", "Peru"), ("La Paz", "Bolivia"), ("Santiago", "Chile"), ("Valparaiso", "Chile"),
    ("Buenos Aires", "Argentina"), ("Cordoba", "Argentina"), ("Montevideo", "Uruguay"),
    ("Asuncion", "Paraguay"), ("Sao Paulo", "Brazil"), ("Rio de Janeiro", "Brazil"),
    ("Brasilia", "Brazil"), ("Recife", "Brazil"), ("Porto Alegre", "Brazil"),
]

FIRST_NAMES = [
    "Ahmed", "Maria", "John", "Fatima", "Wei", "Olga", "Carlos", "Aisha", "David", "Priya",
    "Mehmet", "Elena", "James", "Yuki", "Samuel", "Ana", "Pierre", "Ingrid", "Kwame", "Sofia",
    "Hassan", "Laura", "Dmitri", "Mei", "Luis", "Amara", "Thomas", "Leila", "Hiroshi", "Grace",
    "Omar", "Claire", "Rahul", "Nadia", "Peter", "Zainab", "Miguel", "Anna", "Kenji", "Esther",
    "Ibrahim", "Katarzyna", "Daniel", "Lucia", "Tariq", "Helen", "Jorge", "Amina", "Stefan",
    "Rosa", "Ali", "Emma", "Sergei", "Chen", "Patrick", "Nkechi", "Andreas", "Isabel", "Yusuf",
    "Margaret", "Viktor", "Aylin", "Michael", "Divya", "Francesca", "Emeka", "Sarah", "Tomas",
    "Hana", "Robert", "Farah", "Javier", "Ewa", "Kofi", "Julia", "Arjun", "Catherine", "Oleksandr",
    "Min-jun", "Paolo", "Noura", "William", "Beatriz", "Mustafa", "Lena", "Ricardo", "Thandiwe",
    "George", "Marta", "Raj", "Elif", "Henrik", "Adriana", "Kamal", "Sinead", "Alejandro",
    "Yasmin", "Matteo", "Ngozi", "Lars", "Camila",
]
LAST_NAMES = [
    "Yilmaz", "Garcia", "Smith", "Khan", "Zhang", "Ivanova", "Silva", "Okafor", "Cohen",
    "Sharma", "Demir", "Rossi", "Brown", "Tanaka", "Mensah", "Fernandez", "Dubois", "Larsen",
    "Nkosi", "Papadopoulos", "Haddad", "Muller", "Petrov", "Wang", "Lopez", "Adeyemi",
    "Johnson", "Rahman", "Sato", "Kowalski", "Novak", "Costa", "Mahmoud", "Schmidt", "Kim",
    "Nguyen", "Hernandez", "Osei", "Wilson", "Patel", "Kaya", "Romano", "Taylor", "Suzuki",
    "Boateng", "Martinez", "Lefebvre", "Andersen", "Dlamini", "Georgiou", "Nasser", "Weber",
    "Sokolov", "Li", "Gonzalez", "Eze", "Davies", "Hossain", "Watanabe", "Wisniewski",
    "Horvat", "Pereira", "Saleh", "Fischer", "Park", "Tran", "Ramirez", "Asante", "Evans",
    "Gupta", "Celik", "Esposito", "Thomas", "Kobayashi", "Owusu", "Sanchez", "Moreau",
    "Nielsen", "Mokoena", "Nikolaidis", "Aziz", "Wagner", "Volkov", "Liu", "Torres", "Obi",
    "Roberts", "Chowdhury", "Yamamoto", "Lewandowski", "Kovac", "Almeida", "Farouk",
    "Becker", "Choi", "Pham", "Flores", "Appiah", "Walsh", "Reddy", "Arslan", "Ricci",
    "Campbell", "Nakamura", "Darko", "Ruiz", "Fontaine", "Berg", "Zulu", "Stavrou", "Karimi",
    "Hoffmann", "Morozov", "Huang", "Castro", "Nwosu", "Murphy", "Iyer", "Ozturk", "Greco",
    "Stewart", "Ito", "Addo", "Ortega", "Girard", "Lindqvist", "Khumalo", "Vlachos", "Jafari",
    "Schulz", "Pavlov", "Zhou", "Vargas", "Okonkwo", "Kelly", "Menon", "Aydin", "Marino",
    "Fraser", "Kato", "Quaye", "Navarro", "Bernard", "Holm", "Ndlovu", "Christou", "Rostami",
    "Koch", "Lebedev", "Zhao", "Mendoza", "Chukwu", "O'Brien", "Nair", "Sahin", "Bruno",
]

SYL_A = [
    "Ka", "Ber", "Lo", "Mi", "Tor", "Vel", "San", "Dra", "Os", "Ri", "Ne", "Ha", "Gal", "Zen",
    "Mar", "Cor", "Tal", "Ven", "Pol", "Ash", "Bel", "Kir", "Nor", "Sel", "Am", "Ul", "Fen",
    "Gor", "Lin", "Tam",
]
SYL_B = ["ra", "li", "no", "ve", "ta", "mi", "do", "sa", "ne", "ri", "ko", "be", "lu", "ga", ""]
SYL_C = [
    "vo", "ska", "nia", "burg", "ton", "ford", "dale", "ova", "ek", "ar", "in", "mont", "stad",
    "pur", "abad", "iye", "ville", "hold", "ena", "ov",
]

LANDMARKS = [
    "Bridge", "Dam", "Hospital", "Stadium", "Market", "Harbour", "Station", "Square",
    "Refinery", "Power Station", "Airport", "University", "Barracks", "Reservoir", "Tunnel",
]
ORG_SUFFIX = [
    "Holdings", "Group", "Energy", "Logistics", "Motors", "Bank", "Telecom", "Mining",
    "Pharmaceuticals", "Airlines", "Steel", "Foods", "Systems", "Capital", "Shipping",
]
PARTIES = [
    "Social Democratic Party", "People's Alliance", "National Renewal Movement",
    "Green Left", "Liberal Union", "Workers' Party", "Conservative Bloc", "Civic Platform",
    "Progressive Front", "Centre Coalition",
]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
]

# Per-sentence filler words (drawn fresh for every sentence).
OFFICIALS = [
    "officials", "authorities", "analysts", "residents", "witnesses", "experts", "observers",
    "diplomats", "aid workers", "local journalists",
]
ADJS = ["senior", "local", "regional", "independent", "international", "veteran", "national"]
HEDGES = ["It was not immediately clear", "It remained unclear", "Officials did not say",
          "There was no immediate word on"]
TIMES = ["early on", "late on", "on", "by midday on", "overnight into"]

# --------------------------------------------------------------------------------------------
# Categories. Placeholders available to every template:
#   {city} {country} {district} {region} {landmark} {street} {noun} {org} {org2} {party}
#   {p1} {p2} {p3} (full names) {l1} {l2} {l3} (surnames) {r1} {r2} {r3} (roles)
#   {num} (this outlet's figure, e.g. "at least 40") {numh} (headline form) {unit}
#   {weekday} {month} {day} {year} {when} {officials} {Officials} {adj} {n2} {pct} {hedge}
# --------------------------------------------------------------------------------------------
CATEGORIES = [
    {
        "name": "disaster",
        "nouns": ["earthquake", "quake", "tremor"],
        "count": (12, 420), "fuzzy": True, "unit": "people",
        "roles": [
            "head of the national disaster agency",
            "the mayor of {city}",
            "a seismologist at {org2}",
        ],
        "org": "the {country} Disaster and Emergency Authority",
        "slug": "{noun} hits {city}",
        "heads": [
            "Earthquake kills {numh} in {country}'s {region}",
            "{Noun} near {city} leaves {num} dead",
            "Death toll from {city} {noun} rises to {num}",
            "Rescuers search rubble in {district} after deadly {noun}",
            "Magnitude {mag} {noun} strikes {region}, killing {num}",
        ],
        "leads": [
            "A magnitude {mag} {noun} struck {region} {when} {weekday}, killing {num} {unit} "
            "and bringing down buildings across {city} and the town of {district}.",
            "Rescue teams in {country} worked through the night to reach survivors after a "
            "powerful {noun} near {city} killed {num} {unit}, {officials} said.",
        ],
        "facts": [
            "The {noun} was centred about {n2} kilometres from {district} at a depth of "
            "{depth} kilometres, according to {org}.",
            "At least {injured} {unit} were injured and taken to hospitals in {city}, where "
            "staff set up beds in corridors and car parks.",
            "The {landmark} in {district} partially collapsed, and {officials} closed the "
            "road along {street} while engineers inspected the damage.",
            "Aftershocks of up to magnitude {after} rattled {region} in the hours that "
            "followed, sending residents of {city} back into the streets.",
            "{p1}, {r1}, said {num} {unit} had been confirmed dead and that the toll was "
            "likely to rise as teams reached outlying villages around {district}.",
            "Neighbouring countries offered search-and-rescue teams, and the first arrived "
            "at {city} airport on {weekday} evening.",
            "Power and water were cut in large parts of {district}, and schools across "
            "{region} were ordered closed for the rest of the week.",
        ],
        "quotes": [
            "We are still hearing voices under the rubble in {district}",
            "Every hour counts now, and we are asking people to stay away from damaged "
            "buildings",
            "The {landmark} moved like a wave, and then the walls came down",
            "We have sent every team we have to {region}",
        ],
        "subheads": ["Rescue effort", "Aftershocks", "Damage in {district}",
                     "International help", "A history of quakes"],
    },
    {
        "name": "flood",
        "nouns": ["flooding", "floods", "flash floods"],
        "count": (8, 260), "fuzzy": True, "unit": "people",
        "roles": [
            "the governor of {region}",
            "a spokesperson for {org}",
            "a hydrologist at {org2}",
        ],
        "org": "the {country} Meteorological Service",
        "slug": "{noun} in {city}",
        "heads": [
            "{Noun} in {region} kill {numh}",
            "Thousands evacuated as {noun} hit {city}",
            "{Noun} death toll in {country} climbs to {num}",
            "Rivers burst banks around {district} after days of rain",
        ],
        "leads": [
            "Days of torrential rain triggered {noun} across {region}, killing {num} {unit} "
            "and forcing thousands from their homes around {city}, {officials} said {when} "
            "{weekday}.",
            "{Noun} swept through {district} and parts of {city} {when} {weekday}, "
            "leaving {num} {unit} dead and cutting road links across {region}.",
        ],
        "facts": [
            "The {river} River rose more than {n2} metres above its normal level, "
            "overwhelming defences near the {landmark}.",
            "About {evac} {unit} were moved to temporary shelters in schools and sports halls "
            "in {city}.",
            "{org} said {rain} millimetres of rain fell on {district} in 24 hours, more than "
            "usually falls in a month.",
            "{p1}, {r1}, said {num} {unit} had died and that {missing} were still missing.",
            "Farmers in {region} said the water destroyed crops just weeks before harvest.",
            "Rail services between {city} and {district} were suspended after a section of "
            "track along {street} was washed away.",
        ],
        "quotes": [
            "The water came so fast that people had no time to take anything",
            "Our defences were built for a once-in-a-century flood, and this was worse",
            "We need boats, clean water and medicine in {district} now",
            "This is what a changing climate looks like for {region}",
        ],
        "subheads": ["Evacuations", "Rising rivers", "Climate questions", "Cleanup begins"],
    },
    {
        "name": "election",
        "nouns": ["election", "vote", "ballot"],
        "count": (31, 58), "fuzzy": False, "unit": "percent of the vote",
        "roles": [
            "leader of the {party}",
            "leader of the opposition",
            "a political scientist at {org2}",
        ],
        "org": "the {country} electoral commission",
        "slug": "{country} {noun} {l1}",
        "heads": [
            "{l1}'s {party} wins {country} {noun} with {num} percent",
            "{country} {noun}: {party} claims victory",
            "{l1} declares win as {country} counts votes",
            "Opposition contests {country} {noun} result",
            "{party} falls short of majority in {country}",
        ],
        "leads": [
            "{p1}'s {party} won {num} {unit} in {country}'s parliamentary {noun}, according to "
            "preliminary results released by {org} {when} {weekday}.",
            "Voters in {country} handed {p1} and the {party} a clear lead in {weekday}'s "
            "{noun}, with {num} {unit} counted so far, {officials} said.",
        ],
        "facts": [
            "Turnout was {pct} percent, {org} said, up from the previous {noun}.",
            "{p2}, {r2}, conceded defeat in a speech to supporters in {city} but said "
            "the party would examine reports of irregularities in {district}.",
            "The {party} is expected to need at least one coalition partner to command a "
            "majority of the {seats} seats in parliament.",
            "Observers from {org2} said the {noun} was largely orderly, though they "
            "noted long queues at polling stations in {district}.",
            "{p1} campaigned on a promise to cut energy prices and to rebuild the "
            "{landmark} in {city}.",
            "Final results are expected by the end of the week, once postal ballots from "
            "abroad have been counted.",
        ],
        "quotes": [
            "Tonight the people of {country} chose change",
            "We will respect the result, but every vote in {district} must be counted",
            "This is a mandate to govern for everyone, including those who did not vote "
            "for us",
            "The coalition talks will not be easy",
        ],
        "subheads": ["Coalition arithmetic", "Turnout", "The opposition", "What comes next"],
    },
    {
        "name": "economy",
        "nouns": ["job cuts", "layoffs", "restructuring"],
        "count": (400, 14000), "fuzzy": True, "unit": "jobs",
        "roles": [
            "chief executive of {org}",
            "general secretary of the {union} union",
            "an analyst at {org2}",
        ],
        "org": "{corp}",
        "slug": "{org} {noun}",
        "heads": [
            "{org} to cut {numh} jobs in overhaul",
            "{org} announces {num} {noun} as profit slumps",
            "{org} shares jump after plan to cut {num} jobs",
            "Unions condemn {org} plan to shed {num} jobs in {country}",
        ],
        "leads": [
            "{org} said {when} {weekday} it would cut {num} {unit} worldwide, most of them in "
            "{country}, as it tries to restore profitability after a difficult year.",
            "{org}, the {city}-based group, plans to eliminate {num} {unit} over the next "
            "two years, {p1}, {r1}, told investors.",
        ],
        "facts": [
            "Quarterly profit fell {pct} percent to {money} billion dollars, below analysts' "
            "forecasts.",
            "The company will close its plant in {district} and move some production to "
            "{city2}, it said.",
            "Shares in {org} rose {n2} percent in early trading in {city}.",
            "{p2}, {r2}, said workers had learned of the {noun} from the news and called "
            "for talks.",
            "{org} employs about {staff} people, roughly a third of them in {region}.",
            "The {noun} follow similar moves by rivals including {org2}.",
        ],
        "quotes": [
            "These are difficult decisions, but they are necessary for the future of {org}",
            "The workers in {district} deserve better than a press release",
            "The market had been waiting for a credible cost plan",
            "We will fight every single one of these cuts",
        ],
        "subheads": ["Investor reaction", "Union anger", "The plant in {district}",
                     "A tough market"],
    },
    {
        "name": "conflict",
        "nouns": ["attack", "strike", "assault"],
        "count": (6, 150), "fuzzy": True, "unit": "people",
        "roles": [
            "a military spokesperson",
            "a United Nations envoy",
            "a doctor in {city}",
        ],
        "org": "the {country} armed forces",
        "slug": "{noun} {district} {country}",
        "heads": [
            "{Noun} on {district} kills {numh}",
            "{num} killed in {noun} near {city}, officials say",
            "UN condemns deadly {noun} in {region}",
            "Fighting flares in {region} after {noun} on {district}",
        ],
        "leads": [
            "An {noun} on the town of {district} in {country}'s {region} killed {num} "
            "{unit}, {officials} said {when} {weekday}, in one of the deadliest incidents "
            "there this year.",
            "{num} {unit} were killed when an {noun} hit a market in {district}, near "
            "{city}, {p1}, {r1}, said.",
        ],
        "facts": [
            "Most of the victims were civilians, according to medics at the {landmark} "
            "hospital in {city}.",
            "{org} said it had repelled the {noun} and that {n2} fighters had been "
            "detained.",
            "{p2}, {r2}, called for an immediate ceasefire and access for aid convoys to "
            "{district}.",
            "The road between {city} and {district} has been closed for {n2} days, and "
            "food prices in the town have doubled.",
            "Talks brokered in {city2} collapsed last month over the status of {region}.",
        ],
        "quotes": [
            "There is no safe place left in {district}",
            "Those responsible for this {noun} will be held accountable",
            "We are running out of everything: blood, bandages, fuel",
            "The international community cannot keep looking away from {region}",
        ],
        "subheads": ["Civilian toll", "Calls for a ceasefire", "Stalled talks",
                     "Aid blocked"],
    },
    {
        "name": "tech",
        "nouns": ["data breach", "cyberattack", "hack"],
        "count": (2, 90), "fuzzy": True, "unit": "million customers",
        "roles": [
            "chief executive of {org}",
            "the data protection commissioner",
            "a security researcher at {org2}",
        ],
        "org": "{corp}",
        "slug": "{org} {noun}",
        "heads": [
            "{org} {noun} exposes data of {numh} million customers",
            "Hackers steal records of {num} million {org} users",
            "{org} says {noun} hit {num} million accounts",
            "Regulator opens inquiry into {org} {noun}",
        ],
        "leads": [
            "{org} said {when} {weekday} that a {noun} had exposed the personal data of "
            "{num} {unit}, including names, addresses and some payment details.",
            "Personal information belonging to {num} {unit} of {org} was stolen in a {noun} "
            "discovered last week, the {city}-based company said.",
        ],
        "facts": [
            "The attackers gained access through a contractor's account in {district} and "
            "were inside the network for {n2} days before they were detected, {org} said.",
            "{p2}, {r2}, said the regulator in {city} had opened an inquiry and could fine "
            "the company up to {pct} million euros.",
            "Shares in {org} fell {n2} percent in {city} trading.",
            "The company said it had reset passwords and was offering affected customers "
            "free credit monitoring.",
            "A group calling itself {gang} claimed responsibility on a leak site and "
            "demanded a ransom.",
        ],
        "quotes": [
            "We sincerely apologise to our customers for this incident",
            "This was a basic failure of security hygiene",
            "There is no evidence yet that the stolen data has been used for fraud",
            "Companies holding this much data must be held to a higher standard",
        ],
        "subheads": ["How it happened", "Regulators step in", "What customers should do"],
    },
    {
        "name": "health",
        "nouns": ["outbreak", "epidemic", "cholera outbreak"],
        "count": (40, 2400), "fuzzy": True, "unit": "cases",
        "roles": [
            "the health minister",
            "an epidemiologist at {org2}",
            "a doctor in {district}",
        ],
        "org": "the {country} Ministry of Health",
        "slug": "{noun} {region}",
        "heads": [
            "{Noun} in {region} spreads to {numh} cases",
            "{country} reports {num} cases in {noun}",
            "WHO sends team as {noun} grows in {district}",
            "Schools shut in {city} to contain {noun}",
        ],
        "leads": [
            "Health authorities in {country} have recorded {num} {unit} in an {noun} "
            "centred on {district}, {org} said {when} {weekday}.",
            "An {noun} in {region} has grown to {num} {unit} in under two weeks, "
            "{officials} said, prompting emergency measures in {city}.",
        ],
        "facts": [
            "{deaths} people have died, most of them children and the elderly, according "
            "to {org}.",
            "The {landmark} hospital in {city} has opened an isolation ward with {n2}0 "
            "beds.",
            "{p1}, {r1}, said contaminated water from a broken main on {street} was the "
            "likely source.",
            "Vaccination teams began work in {district} on {weekday}, aiming to reach "
            "{staff} people by the end of the month.",
            "Neighbouring countries stepped up screening at border crossings near {city}.",
        ],
        "quotes": [
            "We are seeing new cases every day in {district}",
            "Clean water is the most important thing right now",
            "The next two weeks will decide whether we contain this",
            "We have enough vaccine for now, but not for long",
        ],
        "subheads": ["Source of the outbreak", "Vaccination drive", "Hospitals under strain"],
    },
    {
        "name": "transport",
        "nouns": ["train crash", "derailment", "rail collision"],
        "count": (5, 120), "fuzzy": True, "unit": "people",
        "roles": [
            "the transport minister",
            "chief executive of {org}",
            "a rail safety investigator",
        ],
        "org": "{corp}",
        "slug": "{noun} near {city}",
        "heads": [
            "{Noun} near {city} kills {numh}",
            "{num} dead after trains collide in {country}",
            "Investigators search for cause of {district} {noun}",
            "{country} mourns victims of {noun}",
        ],
        "leads": [
            "A passenger train travelling from {city} to {city2} derailed near {district} "
            "{when} {weekday}, killing {num} {unit} and injuring dozens more, {officials} "
            "said.",
            "At least two carriages overturned in a {noun} outside {city} that left {num} "
            "{unit} dead, {p1}, {r1}, said.",
        ],
        "facts": [
            "The train, operated by {org}, was carrying about {staff} passengers.",
            "{injured} people were taken to hospital, {n2} of them in a serious condition.",
            "The line between {city} and {district} will remain closed for several days.",
            "{p2}, {r2}, said it was too early to say what caused the {noun} but that "
            "signalling on the section had been upgraded last year.",
            "Survivors described being thrown across carriages as the train left the "
            "tracks near the {landmark}.",
        ],
        "quotes": [
            "There was a loud bang and then everything was upside down",
            "We will find out what happened and we will tell the families",
            "Our thoughts are with everyone who lost someone today",
            "Warnings about this line were ignored for years",
        ],
        "subheads": ["The investigation", "Survivors' accounts", "Safety record"],
    },
    {
        "name": "protest",
        "nouns": ["protests", "demonstrations", "rallies"],
        "count": (3000, 180000), "fuzzy": True, "unit": "people",
        "roles": [
            "the labour minister",
            "an organiser with the {union} union",
            "a police spokesperson",
        ],
        "org": "the {union} union",
        "slug": "{noun} in {city} {l1}",
        "heads": [
            "{numh} march in {city} against pension reform",
            "{Noun} spread across {country} as {num} take to streets",
            "Police clash with protesters in {city}",
            "{country} government faces biggest {noun} in years",
        ],
        "leads": [
            "{num} {unit} marched through {city} {when} {weekday} in {noun} against the "
            "government's plan to raise the retirement age, {officials} said.",
            "{Noun} swept {country} for a third day as {num} {unit} gathered in {city} and "
            "{district}, according to organisers.",
        ],
        "facts": [
            "Police said {arrests} people were arrested after scuffles near the {landmark}.",
            "Organisers from {org} put the turnout much higher than the police estimate.",
            "{p1}, {r1}, said the reform was needed to keep the pension system solvent.",
            "Transport in {city} was disrupted as bus and metro workers joined the {noun} "
            "along {street}.",
            "The bill is due to be debated in parliament next week.",
        ],
        "quotes": [
            "We have worked our whole lives and now they want more",
            "The government will not be intimidated, but it will listen",
            "This is only the beginning",
            "The streets of {city} are full because people are angry",
        ],
        "subheads": ["Police response", "The reform", "Unions dig in"],
    },
    {
        "name": "justice",
        "nouns": ["trial", "court case", "corruption case"],
        "count": (3, 24), "fuzzy": False, "unit": "years in prison",
        "roles": [
            "the former mayor of {city}",
            "a lawyer for the defence",
            "the chief prosecutor",
        ],
        "org": "the {city} regional court",
        "slug": "{l1} {noun} verdict",
        "heads": [
            "Ex-mayor {l1} jailed for {num} years",
            "{country} court convicts {l1} in {noun}",
            "{l1} to appeal {num}-year sentence",
            "Verdict in {city} {noun} divides {country}",
        ],
        "leads": [
            "{p1}, {r1}, was sentenced to {num} {unit} by {org} {when} {weekday} after "
            "being found guilty of taking bribes over a contract for the {landmark}.",
            "A court in {city} convicted {p1} of corruption and sentenced {l1} to {num} "
            "{unit}, ending a {noun} that gripped {country} for months.",
        ],
        "facts": [
            "Prosecutors said {l1} accepted payments worth {money} million euros from a "
            "construction firm based in {district}.",
            "{p2}, {r2}, said the verdict would be appealed.",
            "{n2} co-defendants received shorter sentences.",
            "The contract for the {landmark} had been awarded without a tender in {year0}.",
            "Supporters of {l1} gathered outside the court on {street}, calling the {noun} "
            "politically motivated.",
        ],
        "quotes": [
            "No one is above the law in {country}",
            "My client is innocent and we will prove it",
            "This case shows how deep the problem of corruption goes",
            "Justice has been done for the taxpayers of {city}",
        ],
        "subheads": ["The verdict", "An appeal", "Years of investigation"],
    },
    {
        "name": "science",
        "nouns": ["mission", "probe", "launch"],
        "count": (120, 900), "fuzzy": False, "unit": "kilometres",
        "roles": [
            "director of {org}",
            "the mission's chief scientist",
            "an astrophysicist at {org2}",
        ],
        "org": "the {country} Space Agency",
        "slug": "{country} {noun} {probe}",
        "heads": [
            "{country} launches {probe} {noun}",
            "{probe} {noun} reaches orbit",
            "{country}'s {probe} sends first images",
            "{country} space agency hails {probe} {noun}",
        ],
        "leads": [
            "{org} launched its {probe} {noun} from the {district} spaceport {when} "
            "{weekday}, placing the spacecraft in an orbit {num} {unit} above Earth.",
            "The {probe} {noun} lifted off from {district} and reached an orbit of {num} "
            "{unit}, {p1}, {r1}, said.",
        ],
        "facts": [
            "The spacecraft carries {n2} instruments built by universities in {city} and "
            "{city2}.",
            "The {noun} cost about {money} million dollars and was delayed twice.",
            "{p2}, {r2}, said the first scientific data should arrive within {n2} days.",
            "It is the first {noun} of its kind for {country}.",
        ],
        "quotes": [
            "This is a proud day for science in {country}",
            "The first images already look beautiful",
            "We learned a lot from the delays",
            "The {probe} will answer questions we have been asking for decades",
        ],
        "subheads": ["The spacecraft", "Science goals", "A growing space programme"],
    },
    {
        "name": "sports",
        "nouns": ["final", "title decider", "cup final"],
        "count": (21000, 88000), "fuzzy": True, "unit": "spectators",
        "roles": [
            "the {team} striker",
            "the {team2} coach",
            "the {team2} captain",
        ],
        "org": "the {country} Football Federation",
        "slug": "{team} {team2} {noun}",
        "heads": [
            "{team} beat {team2} {score} to win {country} cup",
            "{l1} double fires {team} to cup glory",
            "{team2} fall short in {city} {noun}",
            "{team} crowned champions after {noun} drama",
        ],
        "leads": [
            "{team} beat {team2} {score} in the {noun} in {city} {when} {weekday}, with "
            "{p1} scoring twice in front of {num} {unit}.",
            "{p1} struck twice as {team} won the {country} cup {noun} against {team2}, "
            "watched by {num} {unit} at the {arena}.",
        ],
        "facts": [
            "{team2} had taken the lead through {p3} after {n2} minutes.",
            "It is {team}'s first trophy in {n2} years.",
            "{p2}, {r2}, said the players had given everything.",
            "Fans celebrated late into the night along {street} in {city}.",
        ],
        "quotes": [
            "This is for the fans who waited so long",
            "We made one mistake and we were punished",
            "I dreamed of this as a boy in {district}",
            "Football can be cruel",
        ],
        "subheads": ["How the goals came", "Celebrations", "Season review"],
    },
]
# Category-specific background sentences, used as filler along with GENERIC.
BACKGROUND = {
    "disaster": [
        "{Officials} said about {pct} percent of the damaged area around {district} had now "
        "been assessed.",
        "Many families in {district} spent the night in cars or with relatives in {city}.",
        "{country} sits on several active fault lines and has a long history of deadly "
        "earthquakes.",
        "Building rules were tightened after a quake in {year0}, but enforcement in {region} "
        "has been patchy, engineers say.",
        "Charities in {city} launched appeals, and donations poured in from across {country}.",
        "The government declared {n2} days of national mourning.",
        "Local media in {region} reported that several roads around {district} were still "
        "blocked.",
    ],
    "flood": [
        "Residents of {district} said they had been warned about the risks for years.",
        "Local media in {region} reported that several roads around {district} were still "
        "under water.",
        "Forecasters at {org} warned of more heavy rain later in the week.",
        "Insurers said losses in {region} could run into hundreds of millions of dollars.",
        "Many families from {district} spent the night with relatives in {city}.",
        "Scientists say a warmer atmosphere holds more moisture, making intense downpours "
        "more likely.",
    ],
    "election": [
        "Polls before the {noun} had suggested a much closer race.",
        "The {party} has been in opposition for {n2} years.",
        "The currency strengthened in {city} trading as the result became clear.",
        "Campaigning was dominated by the cost of living and by migration.",
        "Voters in {district} queued for hours in the rain to cast their ballots.",
        "Coalition talks could take weeks, analysts at {org2} said.",
    ],
    "economy": [
        "Analysts at {org2} said the {noun} had been widely expected.",
        "The sector has been hit by higher energy costs and weaker demand from {city2}.",
        "{org} has grown rapidly since {year0} through a series of acquisitions.",
        "The government of {country} said it would talk to {org} about keeping jobs in "
        "{district}.",
        "Local officials in {district} said the plant was the town's biggest employer.",
        "Rating agencies have placed {org} on watch for a possible downgrade.",
    ],
    "conflict": [
        "Residents of {district} said shelling had become a nightly occurrence.",
        "Aid agencies say more than {staff} people have fled {region} since the start of the "
        "year.",
        "The United Nations Security Council is due to discuss {region} later this week.",
        "{org} did not comment on reports of casualties among its own troops.",
        "Independent verification of casualty figures in {region} is difficult because "
        "journalists have limited access.",
        "Hospitals in {city} are running short of medicines, doctors said.",
    ],
    "tech": [
        "Cybersecurity experts said the {noun} followed a pattern seen in other recent "
        "attacks.",
        "Data protection law in {country} requires companies to report breaches within 72 "
        "hours.",
        "Customers reported receiving phishing emails that appeared to come from {org}.",
        "{org} said its services in {city} were operating normally.",
        "Shares in {org} have fallen {pct} percent this year.",
        "Security researchers at {org2} said they had warned {org} about the weakness months "
        "earlier.",
    ],
    "health": [
        "The water network in {district} has not been upgraded in decades, engineers say.",
        "Doctors in {district} said supplies of rehydration salts were running low.",
        "The last major {noun} in {country}, in {year0}, killed hundreds.",
        "{Officials} urged residents of {city} to boil drinking water.",
        "{org2} said testing capacity in {region} was limited.",
        "Health workers went door to door in {district} to explain the risks.",
    ],
    "transport": [
        "The rail network in {country} has suffered from years of underinvestment, unions "
        "say.",
        "Families of passengers gathered at {city} station waiting for news.",
        "Investigators recovered the train's data recorder on {weekday}.",
        "It is the deadliest rail accident in {country} since {year0}.",
        "Drivers' unions called a one-day strike over safety on the {city} line.",
        "{org} said it would cooperate fully with the investigation.",
    ],
    "protest": [
        "Unions have called {n2} days of strikes since the reform was announced.",
        "Polls show most voters in {country} oppose the reform.",
        "Schools in {city} were closed as teachers joined the strikes.",
        "Riot police used tear gas near the {landmark}, witnesses said.",
        "The government of {country} has refused to withdraw the bill.",
        "Smaller {noun} were also held in {city2} and {district}.",
    ],
    "justice": [
        "The case has been closely followed in {country}, where corruption is a major "
        "political issue.",
        "{l1} has denied all the charges throughout the {noun}.",
        "The court in {city} heard evidence from dozens of witnesses over {n2} months.",
        "Anti-corruption campaigners in {city} welcomed the verdict.",
        "{l1} served as mayor of {city} for {n2} years.",
        "The appeal is expected to be heard next year.",
    ],
    "science": [
        "{country} has expanded its space budget sharply over the past decade.",
        "The launch was watched by crowds gathered on beaches near {district}.",
        "Scientists at {org2} designed the main camera of the {probe}.",
        "The spacecraft will spend {n2} months testing its instruments before starting full "
        "operations.",
        "The {noun} is part of a programme that includes a lunar lander planned for later "
        "this decade.",
        "Engineers in {city} monitored the {noun} from the control centre.",
    ],
    "sports": [
        "{team} had lost in the semi-finals last season.",
        "The {noun} was played in heavy rain at the {arena}.",
        "Tickets for the {noun} in {city} sold out within hours.",
        "{p1} has scored in each of {team}'s last {n2} matches.",
        "The federation fined both {team} and {team2} after crowd trouble last season.",
        "{team2} will still play in the continental competition next season.",
    ],
}
for _cat in CATEGORIES:
    _cat["head_ix"] = list(range(len(_cat["heads"])))
    _cat["background"] = BACKGROUND[_cat["name"]]

# Generic sentences, shared by all categories; almost all name an event entity.
GENERIC = [
    "{hedge} how the {noun} would affect {country} more broadly.",
    "{p2}, {r2}, said a fuller statement would be published within {n2} days.",
    "The {noun} dominated newspaper front pages across {country} on {weekday}.",
    "{l2} later told reporters in {city} that more details would be released once they had "
    "been confirmed.",
    "{org} said it would hold a news conference in {city} on {weekday}.",
    "The {noun} came {n2} months after a similar episode in {city2}.",
    "{p3}, {r3}, said the lessons of the past week must not be forgotten.",
    "{org2} said it was following developments in {country} closely.",
    "The {noun} is expected to be discussed when ministers meet in {city2} next month.",
    "{l1} has faced criticism from {adj} {officials} over the past year.",
    "{p2} said: \"We will not know the full picture for some time.\"",
    "{l3} said a report on the {noun} would be sent to parliament.",
    "Social media in {country} was dominated by images from {city} on {weekday}.",
    "{Officials} in {city} declined to comment further {when} {weekday}.",
    "The story led evening news bulletins across {country}.",
    "{p1} is due to travel to {city2} later this month.",
    "Commentators in {country} drew comparisons with events in {year0}.",
    "A spokesperson for {org} did not respond to a request for comment.",
    "{adj_cap} {officials} in {city} said it was too early to draw conclusions.",
    "{org2} said in an analysis published on {weekday} that the {noun} reflected "
    "longer-term trends in {country}.",
    "Crowds gathered in the centre of {city} on {weekday} evening.",
    "{l1}'s office said in a statement that {p1} would speak publicly on {weekday}.",
    "Polls in {country} suggest the public is divided over how the {noun} was handled.",
    "Governments in the region, including officials in {city2}, issued statements.",
    "The full consequences for {district} and the surrounding {region} will take time to "
    "assess.",
    "Reporters in {district} described a town that was talking of little else.",
    "{p3} said the events of the week would be remembered in {district} for years.",
    "{Officials} in {region} said they had been in contact with {org} since {weekday}.",
    "The {noun} was also the main topic of debate in the {country} parliament on {weekday}.",
    "Speaking in {city}, {l2} said the public deserved clear answers.",
]

SUBHEADS_GENERIC = ["Background", "Reaction", "What happens next", "Analysis", "Context"]

GANGS = ["BlackOrchid", "NullSpider", "GreyWolf Collective", "Lazarus Moth", "ShadowKite"]
UNIONS = ["General Workers'", "Transport Workers'", "Metalworkers'", "Teachers'", "Public Service"]
PROBES = ["Aurora", "Helios", "Meridian", "Polaris", "Zenith", "Orion", "Lyra", "Vega"]
RIVERS_SUFFIX = ["", "a", "e", "o"]
STREET_KINDS = ["Street", "Avenue", "Road", "Boulevard"]
INSTITUTE_KINDS = ["Institute", "University", "Foundation", "Research", "Analytics"]
TEAM_PREFIX = ["FC", "Sporting", "Dynamo", "Athletic", "Real", "Union", "Olympic", "Racing"]



_OFFICIALS2 = [(w, w[:1].upper() + w[1:]) for w in OFFICIALS]
_ADJS2 = [(w, w[:1].upper() + w[1:]) for w in ADJS]
_N2 = [str(i) for i in range(2, 20)]
_PCT = [str(i) for i in range(5, 86)]


def slugify(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^a-zA-Z0-9]+", "-", text.lower()).strip("-")
    return text


def _synth(rng: random.Random) -> str:
    return rng.choice(SYL_A) + rng.choice(SYL_B) + rng.choice(SYL_C)


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _fmt_int(n: int) -> str:
    return f"{n:,}"


def _round_down(n: int) -> int:
    step = 1000 if n >= 10000 else 100 if n >= 1000 else 10
    return max(step, n // step * step) if n >= 20 else n - 1


def _round_up(n: int) -> int:
    step = 1000 if n >= 10000 else 100 if n >= 1000 else 10
    return -(-n // step) * step if n >= 20 else n + 1


def _outlet_figure(rng: random.Random, true: int, fuzzy: bool) -> tuple[str, str]:
    """This outlet's version of the event's key number: (body phrase, headline phrase)."""
    if not fuzzy:
        return _fmt_int(true), _fmt_int(true)
    style = rng.randrange(5)
    if style == 0:
        return _fmt_int(true), _fmt_int(true)
    if style == 1:
        low = true - rng.randint(0, max(1, true // 6))
        return f"at least {_fmt_int(low)}", f"at least {_fmt_int(low)}"
    if style == 2:
        phrase = f"more than {_fmt_int(_round_down(true))}"
        return phrase, phrase
    if style == 3:
        n = true + rng.randint(1, max(2, true // 8))
        return _fmt_int(n), _fmt_int(n)
    words = "dozens" if 24 <= true < 100 else "hundreds" if 200 <= true < 1000 else (
        "thousands" if 2000 <= true < 10000 else "tens of thousands" if true >= 20000 else None)
    phrase = f"nearly {_fmt_int(_round_up(true))}"
    return phrase, words or phrase


# --------------------------------------------------------------------------------------------
# Planning (sequential, cheap): which events exist, their entities, outlets and dates.
# --------------------------------------------------------------------------------------------


def plan_events(n: int, seed: int) -> list[dict]:
    master = random.Random(f"digest-corpus:{seed}:plan")
    plans: list[dict] = []
    used_slugs: dict[str, int] = {}
    remaining = n
    idx = 0
    while remaining > 0:
        k = master.choices(OUTLETS_PER_EVENT, OUTLETS_PER_EVENT_WEIGHTS)[0]
        k = min(k, remaining)
        remaining -= k
        rng = random.Random(f"digest-corpus:{seed}:event:{idx}")
        plan = _plan_event(rng, idx, k)
        base = plan["slug"]
        if base in used_slugs:
            used_slugs[base] += 1
            plan["slug"] = f"{base}-{used_slugs[base]}"
        else:
            used_slugs[base] = 1
        plans.append(plan)
        idx += 1
    return plans


def _pick_outlets(rng: random.Random, k: int) -> list[str]:
    chosen: list[str] = []
    while len(chosen) < k:
        o = rng.choices(OUTLETS, OUTLET_WEIGHTS)[0]
        if o not in chosen:
            chosen.append(o)
    return chosen


def _plan_event(rng: random.Random, idx: int, k: int) -> dict:
    cat_i = rng.randrange(len(CATEGORIES))
    cat = CATEGORIES[cat_i]
    city, country = rng.choice(CITIES)
    city2 = rng.choice(CITIES)[0]
    while city2 == city:
        city2 = rng.choice(CITIES)[0]
    firsts = rng.sample(FIRST_NAMES, 3)
    lasts = rng.sample(LAST_NAMES, 3)
    district = _synth(rng)
    region_name = _synth(rng)
    while region_name == district:
        region_name = _synth(rng)
    ctx = {
        "city": city, "country": country, "city2": city2,
        "district": district,
        "region": f"{region_name} province",
        "landmark": f"{_synth(rng)} {rng.choice(LANDMARKS)}",
        "street": f"{rng.choice(LAST_NAMES)} {rng.choice(STREET_KINDS)}",
        "corp": f"{_synth(rng)} {rng.choice(ORG_SUFFIX)}",
        "org2": f"{_synth(rng)} {rng.choice(INSTITUTE_KINDS)}",
        "party": rng.choice(PARTIES),
        "union": rng.choice(UNIONS),
        "gang": rng.choice(GANGS),
        "probe": f"{rng.choice(PROBES)}-{rng.randint(1, 9)}",
        "river": _synth(rng) + rng.choice(RIVERS_SUFFIX),
        "team": f"{rng.choice(TEAM_PREFIX)} {city}",
        "arena": f"{_synth(rng)} Arena",
        "team2": f"{rng.choice(TEAM_PREFIX)} {city2}",
        "score": f"{rng.randint(2, 4)}-{rng.randint(0, 1)}",
        "mag": f"{rng.randint(55, 78) / 10:.1f}",
        "after": f"{rng.randint(40, 54) / 10:.1f}",
        "depth": str(rng.randint(5, 40)),
        "injured": _fmt_int(rng.randint(20, 900)),
        "evac": _fmt_int(rng.randint(2, 90) * 1000),
        "rain": str(rng.randint(120, 400)),
        "missing": str(rng.randint(3, 60)),
        "money": f"{rng.randint(12, 990) / 10:.1f}",
        "staff": _fmt_int(rng.randint(8, 200) * 1000),
        "seats": str(rng.choice([101, 150, 200, 300, 349, 460])),
        "deaths": str(rng.randint(3, 80)),
        "arrests": str(rng.randint(5, 300)),
        "year0": str(rng.randint(1998, YEAR - 2)),
        "p1": f"{firsts[0]} {lasts[0]}", "p2": f"{firsts[1]} {lasts[1]}",
        "p3": f"{firsts[2]} {lasts[2]}",
        "l1": lasts[0], "l2": lasts[1], "l3": lasts[2],
        "unit": cat["unit"],
    }
    ctx["org"] = cat["org"].format_map(ctx)
    roles = cat["roles"]  # r1, r2, r3 match the facts that name p1, p2, p3
    for i, r in enumerate(roles, 1):
        ctx[f"r{i}"] = r.format_map(ctx)
    ctx["noun"] = cat["nouns"][0]
    lo, hi = cat["count"]
    true = int(math.exp(rng.uniform(math.log(lo), math.log(hi))))
    start = dt.date(YEAR, 1, 1) + dt.timedelta(days=rng.randrange(363))
    span = rng.choice([1, 2, 2, 3, 3])
    outlets = _pick_outlets(rng, k)
    dates = sorted(start + dt.timedelta(days=rng.randrange(span)) for _ in outlets)
    slug = slugify(cat["slug"].format_map(ctx))
    # facts and quotes the outlets share: chosen once per event
    n_facts = len(cat["facts"])
    fact_ix = rng.sample(range(n_facts), min(n_facts, rng.randint(4, n_facts)))
    quote_ix = rng.sample(range(len(cat["quotes"])), rng.randint(2, len(cat["quotes"])))
    return {
        "idx": idx, "cat": cat_i, "ctx": ctx, "true": true, "outlets": outlets,
        "dates": [d.isoformat() for d in dates], "slug": slug,
        "fact_ix": fact_ix, "quote_ix": quote_ix,
    }


# --------------------------------------------------------------------------------------------
# Rendering (parallel): one event -> its articles.
# --------------------------------------------------------------------------------------------


def _target_words(rng: random.Random) -> int:
    if rng.random() < 0.03:
        return rng.randint(1500, 3500)
    return int(min(1400, max(220, rng.lognormvariate(math.log(560), 0.33))))


def _attribute(rng: random.Random, quote: str, who: str, role: str, last: str) -> str:
    style = rng.randrange(4)
    if style == 0:
        return f"\"{quote},\" said {who}, {role}."
    if style == 1:
        return f"\"{quote},\" {last} said."
    if style == 2:
        return f"{who}, {role}, said: \"{quote}.\""
    return f"\"{quote},\" {who} told reporters."


def render_event(plan: dict, seed: int) -> list[tuple[str, str, str]]:
    """Return [(article id, file text, event slug)] for one planned event."""
    cat = CATEGORIES[plan["cat"]]
    rng = random.Random(f"digest-corpus:{seed}:body:{plan['idx']}")
    base = dict(plan["ctx"])
    out = []
    head_ix = list(cat["head_ix"])
    rng.shuffle(head_ix)
    for j, (outlet, date_s) in enumerate(zip(plan["outlets"], plan["dates"], strict=True)):
        d = dt.date.fromisoformat(date_s)
        ctx = dict(base)
        num, numh = _outlet_figure(rng, plan["true"], cat["fuzzy"])
        ctx["num"], ctx["numh"] = num, numh
        ctx["weekday"] = WEEKDAYS[(d - dt.timedelta(days=rng.randint(0, 1))).weekday()]
        ctx["month"] = MONTHS[d.month - 1]
        ctx["day"] = str(d.day)
        ctx["year"] = str(d.year)
        ctx["when"] = rng.choice(TIMES)
        nouns = cat["nouns"]
        ctx["noun"] = rng.choice(nouns)
        ctx["Noun"] = _cap(ctx["noun"])
        ctx["officials"] = rng.choice(OFFICIALS)
        ctx["Officials"] = _cap(ctx["officials"])
        ctx["adj"] = rng.choice(ADJS)
        ctx["adj_cap"] = _cap(ctx["adj"])
        ctx["hedge"] = rng.choice(HEDGES)
        ctx["n2"] = str(rng.randint(2, 19))
        ctx["pct"] = str(rng.randint(5, 85))

        title = _cap(cat["heads"][head_ix[j % len(head_ix)]].format_map(ctx))
        target = _target_words(rng)
        paras: list[str] = []
        words = 0

        lead = _cap(rng.choice(cat["leads"]).format_map(ctx))
        if outlet in WIRES:
            lead = f"{ctx['city'].upper()}, {ctx['month']} {ctx['day']} ({outlet}) - {lead}"
        paras.append(lead)
        words += lead.count(" ") + 1

        facts = [cat["facts"][i] for i in plan["fact_ix"] if rng.random() < 0.85]
        quotes = [cat["quotes"][i] for i in plan["quote_ix"] if rng.random() < 0.75]
        people = [(ctx["p1"], ctx["r1"], ctx["l1"]), (ctx["p2"], ctx["r2"], ctx["l2"]),
                  (ctx["p3"], ctx["r3"], ctx["l3"])]
        body_units = [f.format_map(ctx) for f in facts]
        for qi, q in enumerate(quotes):
            who, role, last = people[qi % 3]
            pos = rng.randint(1, len(body_units)) if body_units else 0
            body_units.insert(pos, _attribute(rng, q.format_map(ctx), who, role, last))

        subheads = [s.format_map(ctx) for s in cat["subheads"]] + SUBHEADS_GENERIC
        rng.shuffle(subheads)
        sub_i = 0
        para: list[str] = []
        para_len = rng.randint(2, 4)
        paras_since_head = 0
        filler = GENERIC + cat["background"]
        getbits = rng.getrandbits
        pool: list[str] = []
        while body_units or words < target:
            if body_units:
                s = body_units.pop(0)
            else:
                # refresh a few per-sentence words so filler does not repeat verbatim
                # (one getrandbits call instead of eight choice() calls: this loop is hot)
                b = getbits(64)
                ctx["officials"], ctx["Officials"] = _OFFICIALS2[b % len(_OFFICIALS2)]
                b //= 16
                ctx["adj"], ctx["adj_cap"] = _ADJS2[b % len(_ADJS2)]
                b //= 8
                ctx["n2"] = _N2[b % len(_N2)]
                b //= 32
                ctx["pct"] = _PCT[b % len(_PCT)]
                b //= 128
                ctx["when"] = TIMES[b % len(TIMES)]
                b //= 8
                ctx["hedge"] = HEDGES[b % len(HEDGES)]
                if not pool:
                    pool = list(filler)
                    rng.shuffle(pool)
                s = pool.pop().format_map(ctx)
            if s[0].islower():
                s = s[0].upper() + s[1:]
            para.append(s)
            words += s.count(" ") + 1
            if len(para) >= para_len:
                paras.append(" ".join(para))
                para = []
                para_len = rng.randint(1, 4)
                paras_since_head += 1
                if paras_since_head >= 4 and words < target - 120 and rng.random() < 0.5:
                    paras.append("## " + subheads[sub_i % len(subheads)])
                    sub_i += 1
                    paras_since_head = 0
        if para:
            paras.append(" ".join(para))

        outlet_slug = slugify(outlet)
        art_id = f"{date_s}-{plan['slug']}-{outlet_slug}"
        url = f"https://example.com/{outlet_slug}/{date_s.replace('-', '/')}/{plan['slug']}"
        text = (
            "---\n"
            f"id: {art_id}\n"
            f"title: {json.dumps(title, ensure_ascii=False)}\n"
            f"source: {json.dumps(outlet, ensure_ascii=False)}\n"
            f"url: {url}\n"
            f"date: {date_s}\n"
            "---\n"
            + "\n\n".join(paras)
            + "\n"
        )
        out.append((art_id, text, plan["slug"]))
    return out


def _render_chunk(args: tuple[list[dict], int, str]) -> list[tuple[str, list[str]]]:
    plans, seed, art_dir = args
    events = []
    for plan in plans:
        arts = render_event(plan, seed)
        for art_id, text, _ in arts:
            with open(os.path.join(art_dir, art_id + ".md"), "w", encoding="utf-8",
                      newline="\n") as fh:
                fh.write(text)
        events.append((plan["slug"], [a[0] for a in arts]))
    return events


def generate(n: int, seed: int, out: Path, jobs: int | None = None, force: bool = False) -> dict:
    """Write the corpus; return a summary dict."""
    art_dir = out / "content" / "articles"
    art_dir.mkdir(parents=True, exist_ok=True)
    existing = list(art_dir.glob("*.md"))
    if existing:
        if not force:
            raise SystemExit(f"{art_dir} already has {len(existing)} .md files; use --force")
        for p in existing:
            p.unlink()
    plans = plan_events(n, seed)
    jobs = jobs or os.cpu_count() or 1
    chunk = 250
    chunks = [(plans[i:i + chunk], seed, str(art_dir)) for i in range(0, len(plans), chunk)]
    if jobs <= 1 or n < 2000:
        results = [_render_chunk(c) for c in chunks]
    else:
        import multiprocessing as mp

        with mp.get_context("fork").Pool(jobs) as pool:
            results = pool.map(_render_chunk, chunks, chunksize=1)
    n_written = 0
    with open(out / "truth.jsonl", "w", encoding="utf-8", newline="\n") as fh:
        for res in results:
            for slug, ids in res:
                n_written += len(ids)
                fh.write(json.dumps({"event": slug, "articles": ids}) + "\n")
    return {"articles": n_written, "events": len(plans), "dir": str(art_dir)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, required=True, help="number of articles")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, required=True, help="project dir to write into")
    ap.add_argument("--jobs", type=int, default=None, help="worker processes (default: cores)")
    ap.add_argument("--force", action="store_true",
                    help="delete existing .md files in DIR/content/articles first")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    summary = generate(a.n, a.seed, a.out, a.jobs, a.force)
    if not a.quiet:
        print(f"wrote {summary['articles']} articles ({summary['events']} events) to "
              f"{summary['dir']} in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
