"""Text analysis for retrieval: normalising, concepts, stop words, alias keys."""

from __future__ import annotations

import yaml

from pathways_kb import text


def test_simplified_chinese_becomes_traditional():
    assert text.normalise("副学士") == "副學士"
    # zhconv gives 籤證 for 签证; the variants table folds it to the usual 簽證.
    assert text.normalise("工作假期签证") == "工作假期簽證"


def test_it_in_capitals_is_information_technology():
    assert text.normalise("想讀IT") == "想讀資訊科技"
    assert text.normalise("讀it") == "讀資訊科技"
    assert text.normalise("It is fine") == "it is fine"


def test_everyday_wording_shares_a_concept():
    for question in ("讀HD要俾幾錢", "HD學費", "HD fees", "how much is HD"):
        assert "#fee" in text.analyse(question).concepts, question
    assert "#when" in text.analyse("幾時放榜").concepts
    assert "#subsidy" in text.analyse("有冇津貼").concepts


def test_english_wording_matches_whole_words_only():
    assert "#eligibility" not in text.analyse("the page").concepts
    assert "#degree" not in text.analyse("sub-degree").concepts


def test_particles_make_no_bigrams():
    grams = text.char_bigrams(text.normalise("高級文憑係咩呀"))
    assert "係咩" not in grams and "憑係" not in grams
    assert {"高級", "文憑"} <= set(grams)


def test_stop_words_are_dropped_and_words_stemmed():
    assert text.words("what is the deadline") == ["deadlin"]
    assert text.words("replaced") == text.words("replacement")


def test_an_alias_matches_other_wording_of_its_concepts():
    alias = text.analyse("JUPAS fee").keys
    assert alias <= text.analyse("jupas幾錢").keys
    assert alias <= text.analyse("聯招報名要俾幾多錢").keys
    assert not alias <= text.analyse("jupas deadline").keys


def test_a_distinctive_lone_character_still_counts_for_aliases():
    assert text.analyse("讀HD").keys == text.analyse("HD").keys
    assert text.analyse("聯招辦").keys != text.analyse("聯招").keys


def test_hyphenated_words_match_either_way():
    assert "eapp" in text.words("E-APP")
    assert {"non", "local"} <= set(text.words("non-local"))


def test_synonyms_file_has_the_expected_shape():
    data = yaml.safe_load(text.SYNONYMS.read_text(encoding="utf-8"))
    assert set(data) >= {"concepts", "stop_words", "particles", "variants"}
    for name, forms in data["concepts"].items():
        assert name.isidentifier(), name
        assert set(forms) == {"en", "yue"}, name
        for lang in ("en", "yue"):
            assert forms[lang] and all(str(f).strip() for f in forms[lang]), name
    assert all(len(c) == 1 for c in data["particles"].split())


def test_spacy_tokenises_text_with_a_jieba_of_our_own():
    import jieba
    from spacy.tokens import Doc

    analysis = text.analyse("讀高級文憑 non-local fees")
    assert isinstance(analysis.doc, Doc)
    assert [t.text for t in analysis.doc] == [
        "讀",
        "高級文憑",
        "non",
        "-",
        "local",
        "fees",
    ]
    assert {"高級文憑", "non", "local", "nonlocal", "fee"} <= set(analysis.terms)
    zh = text.pipelines().zh
    assert analysis.doc.vocab is zh.vocab
    assert zh.tokenizer.jieba_seg.jieba is text.segmenter()
    assert text.segmenter() is not jieba.dt  # NLU's global jieba is left alone


def test_index_terms_are_the_spacy_tokenizers_tokens(monkeypatch):
    from spacy.tokens import Doc

    zh = text.pipelines().zh
    # Not a knowledge-base term, so no earlier index can have taught it to jieba.
    phrase = "咖啡同蛋糕好食"
    assert phrase not in text.analyse_uncached(phrase).terms
    # A tokenizer that keeps the whole text as one token: so is the word.
    monkeypatch.setattr(zh, "tokenizer", lambda t: Doc(zh.vocab, words=[t]))
    assert phrase in text.analyse_uncached(phrase).terms


def test_english_tokens_stay_whole_and_end_at_chinese_punctuation():
    assert [t.text for t in text.analyse("ive hd").doc] == ["ive", "hd"]
    assert text.words("IVE、HKDI同HKIIT") == ["ive", "hkdi", "hkiit"]
    assert text.words("my son's DSE results(2024)") == ["dse", "result", "2024"]


def test_a_tokens_norm_is_its_stem_for_phrase_matching():
    assert [t.norm_ for t in text.analyse("HD fees").doc] == ["hd", "fee"]
