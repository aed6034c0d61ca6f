"""The importer's words as message ids with values (issue 16): every error and review reason
has its English (the id, what the command line prints) and a Spanish translation with the
same places; the values fill in; a reason stored in English reads back to its message."""

from __future__ import annotations

import datetime as dt
import pickle
import re
from pathlib import Path

import pytest
from tests.web.english import english_words

from cdpdesk import i18n
from cdpdesk.contract.case import DATE_MAX, date_problem
from cdpdesk.transcripts import TaxpayerError, TranscriptError, import_texts, parse_transcripts
from cdpdesk.transcripts import messages as ms
from cdpdesk.transcripts.build import known_reasons, reason_words
from cdpdesk.transcripts.messages import Message, msg, read_back
from cdpdesk.transcripts.parse import out_of_range

DATA = Path(__file__).parent / "data"
PAGED = DATA / "rivera-1040-2020-2021-paged.txt"
ES = i18n.translator("es")
PLACE = re.compile(r"\{([a-z_0-9]+)\}")
#: Words a Spanish reason keeps as printed: the transcript's column heads and labels, the
#: case file's field names, the option and the form and letter names.
KEPT = {"form", "code", "explanation", "date", "amount", "transactions", "tax", "period", "number"}


def test_every_message_has_english_and_a_spanish_translation_with_the_same_places() -> None:
    ids = known_reasons()
    assert len(ids) == len(set(ids)) and len(ids) > 45
    for message_id in ids:
        spanish = ES.gettext(message_id)
        assert spanish != message_id, f"no Spanish for {message_id!r}"
        assert sorted(PLACE.findall(spanish)) == sorted(PLACE.findall(message_id)), message_id
        # the case file's field names (lien_notice) and the option (--name) are kept as written
        words = re.sub(r"\b\w+_\w+\b|--\w+", " ", spanish)
        left = [w for w in english_words(words) if w.lower() not in KEPT]
        assert left == [], (message_id, spanish, left)


def test_values_fill_in_in_both_languages() -> None:
    for message_id in known_reasons():
        names = PLACE.findall(message_id)
        values = {n: f"<{n}-value>" for n in names}
        m = msg(message_id, **values)
        english, spanish = m.text(), m.text(ES)
        assert english == message_id.format(**values) and str(m) == english
        for v in values.values():
            assert v in english and v in spanish
        assert not PLACE.search(english) and not PLACE.search(spanish)


def test_a_message_inside_a_message_is_translated_too() -> None:
    m = msg(ms.TIN_NEEDED, masked=msg(ms.NO_TIN_PRINTED))
    assert "(no TIN printed)" in m.text()
    assert m.text(ES).startswith("taxpayer.tin: las transcripciones muestran solo")
    assert "(no aparece ningún TIN)" in m.text(ES)


def test_the_english_of_an_error_is_what_the_command_line_printed() -> None:
    text = "Some words\nTAX PERIOD: Dec. 31, 2020\nTRANSACTIONS\n"
    with pytest.raises(TranscriptError) as caught:
        parse_transcripts(text, "t.txt")
    assert str(caught.value) == (
        "t.txt, line 3: the transcript's header has no FORM NUMBER line before its TRANSACTIONS table"
    )
    assert caught.value.text(ES) == (
        "t.txt, línea 3: el encabezado de la transcripción no tiene una línea FORM NUMBER antes de su tabla "
        "TRANSACTIONS"
    )
    garbled = PAGED.read_text().replace("05-17-2021    -$2,300.00", "O5-17-2O21    -$2,3OO.OO", 1)
    with pytest.raises(TranscriptError) as caught:
        parse_transcripts(garbled, "g.txt")
    english, spanish = str(caught.value), caught.value.text(ES)
    assert english == (
        "g.txt, line 40: a transaction line without the CODE, EXPLANATION, DATE (MM-DD-YYYY) and AMOUNT "
        "columns (garbled or truncated): '806   W-2 or 1099 withholding"
        + " " * 40
        + "O5-17-2O21    -$2,3OO.OO'"
    )
    # the line as read (quoted) is the same in both languages
    assert spanish.split(": ", 2)[2] == english.split(": ", 2)[2]
    assert spanish.startswith("g.txt, línea ") and "una línea de transacción sin las columnas CODE" in spanish
    assert pickle.loads(pickle.dumps(caught.value)).text(ES) == spanish


def test_a_day_that_does_not_exist_is_said_in_pythons_english_and_in_spanish() -> None:
    text = "FORM NUMBER: 1040\nTAX PERIOD: Feb. 30, 2020\nTRANSACTIONS\n"
    with pytest.raises(TranscriptError) as caught:
        parse_transcripts(text, "d.txt")
    assert str(caught.value) == "d.txt, line 2: day is out of range for month"
    assert caught.value.text(ES) == "d.txt, línea 2: ese día no existe en ese mes"


def test_out_of_range_says_what_the_contract_says() -> None:
    late = DATE_MAX + dt.timedelta(days=1)
    said = out_of_range(late)
    assert said is not None and said.text() == date_problem(late)
    assert out_of_range(dt.date(2020, 1, 1)) is None


def test_a_taxpayer_error_keeps_its_field_and_its_words() -> None:
    with pytest.raises(TaxpayerError) as caught:
        import_texts([("p.txt", PAGED.read_text())], name="Dana Rivera", tin="123-45-6789")
    err = caught.value
    assert err.field == "tin"
    assert str(err) == (
        "the TIN given ends in 6789, but the transcripts are for XXX-XX-4321: check the TIN (or the transcripts)"
    )
    assert err.text(ES) == (
        "el TIN que usted dio termina en 6789, pero las transcripciones son de XXX-XX-4321: revise el TIN "
        "(o las transcripciones)"
    )
    again = pickle.loads(pickle.dumps(err))
    assert (again.field, str(again)) == ("tin", str(err))


def test_every_review_reason_reads_back_to_its_message() -> None:
    got = import_texts([(f.name, f.read_text()) for f in [PAGED]])
    assert len(got.review) == 15
    for item in got.review:
        assert read_back(item.reason, known_reasons()) == item.message, item.reason
        assert reason_words(item.reason, ES) == item.why(ES) != item.reason
    whys = {item.why(ES) for item in got.review}
    assert any(w.startswith("el TC 806 no está en la tabla de códigos") for w in whys), whys
    # a nested part (the pair's reason) reads back as its own message
    nested = msg(ms.WITHOUT_PAIR, code="972/043", why=msg(ms.NO_EARLIER))
    assert read_back(nested.text(), known_reasons()) == nested
    assert reason_words("a reason written by hand", ES) is None


def test_a_message_is_a_value_not_a_string_pasted_together() -> None:
    m = Message(ms.UNMAPPED, (("code", "971 AC 065"),))
    assert m.text() == "TC 971 AC 065 is not in the code table: not imported; add it by hand if it matters"
    assert (
        m.text(ES)
        == "el TC 971 AC 065 no está en la tabla de códigos: no se importó; agréguelo a mano si es importante"
    )
