"""The templated corpus: chapter 04's 実験室 (laboratory), NOT evidence about Japanese.

Its relations are built in on purpose: the people words sit on a gender (m/f) × group
(royal / family / common) grid, every word of a group gets the same context lists, and gender is
marked by 彼/彼女 and 男性/女性. So 王 - 男 + 女 ≈ 女王 is solved by the raw co-occurrence counts
alone, without any learning (chapter 04 shows it; a test checks it). The course's real text is
:mod:`llm_shikumi.novel`. The template sentences are not always natural Japanese.

One sentence per line.

Nothing can be downloaded when the book is built, so the corpus is *generated* by this
module and committed as ``data/corpus_ja.txt`` (CC0, written by the project; see
``data/README.md``). It mixes two kinds of text:

- 文型 (templated) sentences with controlled relations: 王/女王, 王子/王女, 父/母, 兄/姉,
  息子/娘, 夫/妻, 男/女, countries and their capitals (日本/東京, フランス/パリ, ...), jobs and
  their workplaces, animals, foods. Each word occurs in contexts that encode its attributes
  (royal / family / everyday, male / female, country / city, ...), so that word2vec can learn
  vector offsets such as 王 - 男 + 女 ≈ 女王 from a corpus this small.
- plain prose written for the course (short passages about daily life, the seasons,
  a small kingdom, travel, school), so that the N-gram chapter also sees ordinary sentences.

The generator is deterministic (``random.Random(seed)``, lists only, no set iteration):
``generate_sentences()`` returns the same lines on every machine, and a test checks that
the committed file equals it. Rebuild the file after changing this module with::

    python -m llm_shikumi.corpus --build

Use it with::

    >>> from llm_shikumi.corpus import load_sentences, load_tokenized
    >>> sentences = load_sentences()        # list[str]
    >>> tokens = load_tokenized()           # list[list[str]], morphemes (unidic-lite)
"""
from __future__ import annotations

import argparse
import random
from collections import Counter
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
CORPUS_PATH = DATA_DIR / "corpus_ja.txt"
SEED = 2013  # the year of word2vec
N_TEMPLATED = 12000  # templated sentences; the hand-written prose comes on top

# 記号 (symbols) that ``load_tokenized(drop_symbols=True)`` leaves out.
SYMBOLS = frozenset("、。！？「」『』（）・…")

# --------------------------------------------------------------------------------------
# People: (word, gender, group, age). Gender m/f, group royal/family/common.
# Every word here is one morpheme under unidic-lite (a test checks it).
# --------------------------------------------------------------------------------------
PEOPLE = [
    ("王", "m", "royal", "adult"), ("女王", "f", "royal", "adult"),
    ("王子", "m", "royal", "young"), ("王女", "f", "royal", "young"),
    ("父", "m", "family", "adult"), ("母", "f", "family", "adult"),
    ("息子", "m", "family", "young"), ("娘", "f", "family", "young"),
    ("兄", "m", "family", "adult"), ("姉", "f", "family", "adult"),
    ("弟", "m", "family", "young"), ("妹", "f", "family", "young"),
    ("夫", "m", "family", "adult"), ("妻", "f", "family", "adult"),
    ("祖父", "m", "family", "old"), ("祖母", "f", "family", "old"),
    ("男", "m", "common", "adult"), ("女", "f", "common", "adult"),
    ("少年", "m", "common", "young"), ("少女", "f", "common", "young"),
]

# Male/female counterparts, for tests and the chapter (王 : 女王 = 男 : 女).
GENDER_PAIRS = [(PEOPLE[i][0], PEOPLE[i + 1][0]) for i in range(0, len(PEOPLE), 2)]

PRONOUN = {"m": "彼", "f": "彼女"}
GENDER_NOUN = {"m": "男性", "f": "女性"}

HOMES = {"royal": ["城", "宮殿"], "family": ["家"], "common": ["町", "村"]}  # where they live
PLACES = {  # where they are or go
    "royal": ["城", "宮殿", "広間"],
    "family": ["家", "居間", "台所", "庭"],
    "common": ["町", "駅", "市場", "公園"],
}
COMPANIONS = {"royal": ["家来", "大臣", "騎士"], "family": ["家族", "親戚"], "common": ["友人", "知人", "仲間"]}
BELONGINGS = {"royal": ["王冠", "玉座", "宝石"], "family": ["家", "写真", "アルバム"], "common": ["帽子", "かばん", "自転車"]}
DEEDS = {  # what they do (no place in the phrase: the templates add one)
    "royal": ["国を治めています", "国民に語りかけました", "家来に命令を出しました", "儀式に出ました",
              "王国の未来を考えています"],
    "family": ["家族と夕食を食べました", "掃除をしました", "親戚に手紙を書きました",
               "家族の写真を撮りました", "花に水をやりました"],
    "common": ["友人を待っています", "新聞を読んでいます", "買い物をしました",
               "少し休んでいます", "道を尋ねました"],
}
YOUNG_PHRASES = ["まだ若く", "まだ幼く"]

# Countries: (country, capital, language stem + 語, region). Facts only.
COUNTRIES = [
    ("日本", "東京", "日本語", "アジア"),
    ("中国", "北京", "中国語", "アジア"),
    ("韓国", "ソウル", "韓国語", "アジア"),
    ("タイ", "バンコク", "タイ語", "アジア"),
    ("フランス", "パリ", "フランス語", "ヨーロッパ"),
    ("ドイツ", "ベルリン", "ドイツ語", "ヨーロッパ"),
    ("イタリア", "ローマ", "イタリア語", "ヨーロッパ"),
    ("スペイン", "マドリード", "スペイン語", "ヨーロッパ"),
    ("イギリス", "ロンドン", "英語", "ヨーロッパ"),
    ("ロシア", "モスクワ", "ロシア語", "ヨーロッパ"),
    ("ギリシャ", "アテネ", "ギリシャ語", "ヨーロッパ"),
    ("エジプト", "カイロ", "アラビア語", "アフリカ"),
]
CAPITALS = dict((c, k) for c, k, _, _ in COUNTRIES)

# Jobs: (job, workplace, object, what they do there).
JOBS = [
    ("医者", "病院", "患者", "患者を診察します"),
    ("教師", "学校", "生徒", "生徒に数学を教えます"),
    ("歌手", "舞台", "歌", "新しい歌を歌います"),
    ("大工", "現場", "家", "木で家を建てます"),
    ("漁師", "海", "魚", "船で魚をとります"),
    ("農家", "畑", "野菜", "畑で野菜を育てます"),
    ("店員", "店", "品物", "客に品物を売ります"),
    ("パイロット", "空港", "飛行機", "飛行機を操縦します"),
    ("コック", "厨房", "料理", "おいしい料理を作ります"),
    ("画家", "アトリエ", "絵", "大きな絵を描きます"),
    ("作家", "書斎", "小説", "長い小説を書きます"),
    ("警官", "交番", "町", "町の安全を守ります"),
]

# Animals: (animal, where it lives, what it eats, what it does).
ANIMALS = [
    ("犬", "家", "肉", "ワンワンと吠えます"),
    ("猫", "家", "魚", "ニャーと鳴きます"),
    ("牛", "牧場", "草", "モーと鳴きます"),
    ("馬", "牧場", "草", "速く走ります"),
    ("羊", "牧場", "草", "メエと鳴きます"),
    ("鳥", "森", "虫", "空を飛びます"),
    ("ライオン", "草原", "肉", "大きな声でほえます"),
    ("キリン", "草原", "葉", "長い首を伸ばします"),
    ("象", "草原", "葉", "長い鼻で水を飲みます"),
    ("ペンギン", "南極", "魚", "氷の上を歩きます"),
    ("ウサギ", "森", "草", "ぴょんぴょん跳ねます"),
]

# Foods: (food, kind, colour, how it tastes).
FOODS = [
    ("りんご", "果物", "赤い", "甘い"), ("みかん", "果物", "黄色い", "甘い"),
    ("バナナ", "果物", "黄色い", "甘い"), ("ぶどう", "果物", "紫の", "甘い"),
    ("いちご", "果物", "赤い", "甘い"), ("もも", "果物", "白い", "甘い"),
    ("にんじん", "野菜", "赤い", "少し甘い"), ("トマト", "野菜", "赤い", "すっぱい"),
    ("キャベツ", "野菜", "緑の", "みずみずしい"), ("たまねぎ", "野菜", "白い", "辛い"),
    ("じゃがいも", "野菜", "茶色の", "ほくほくした"), ("ピーマン", "野菜", "緑の", "苦い"),
    ("パン", "主食", "茶色の", "香ばしい"), ("ご飯", "主食", "白い", "もちもちした"),
    ("うどん", "主食", "白い", "やわらかい"), ("そば", "主食", "茶色の", "香ばしい"),
]

NAMES = ["田中", "佐藤", "鈴木", "高橋", "伊藤", "渡辺", "山本", "中村", "小林", "加藤"]
TIMES = ["朝", "昼", "夜", "今日", "昨日", "週末", "夕方"]

# --------------------------------------------------------------------------------------
# Plain prose, written for this course (CC0). Kept as short passages, one sentence a line.
# --------------------------------------------------------------------------------------
PROSE = """
朝起きると、窓の外は雨でした。
傘を持って駅まで歩きました。
電車はいつもより混んでいました。
会社に着くと、同僚が温かいお茶をいれてくれました。
昼休みには近くの店でうどんを食べました。
午後は会議が長く続きました。
夕方になると雨はやみ、空が赤く染まりました。
帰り道に本屋に寄って、新しい小説を一冊買いました。
夜は家族と一緒に夕食を食べました。
寝る前に少しだけ本を読みました。

春になると、川沿いの桜が一斉に咲きます。
多くの人が花見に出かけます。
夏は暑く、子どもたちは海や川で泳ぎます。
夜には花火が上がり、町はにぎやかになります。
秋には山の木々が赤や黄色に色づきます。
新米の季節でもあり、ご飯がとてもおいしくなります。
冬は寒く、北の地方では雪がたくさん降ります。
こたつに入ってみかんを食べるのが楽しみです。
季節が変わるたびに、町の景色も少しずつ変わります。

昔、山のふもとに小さな王国がありました。
その国の王は穏やかな人で、国民からたいへん慕われていました。
女王は本を読むのが好きで、城の図書室にはたくさんの本が並んでいました。
王子は剣の稽古よりも星を眺めるほうが好きでした。
王女は毎朝、城の庭で馬に乗っていました。
ある年、国に長い日照りが続きました。
畑の作物は枯れ、人々は困り果てました。
王と女王は家来を集めて、どうすればよいかを話し合いました。
王女は遠くの山に大きな湖があることを思い出しました。
王子は地図を広げ、水を運ぶ道を考えました。
国民は力を合わせて水路を掘りました。
やがて湖の水が畑に届き、作物は再び育ち始めました。
その年の秋、王国では盛大な祭りが開かれました。

私の家族は四人です。
父は毎朝早く起きて、庭の草木に水をやります。
母は料理が得意で、休みの日にはパンを焼きます。
兄は大学で物理を勉強しています。
妹はまだ小学生で、毎日元気に学校へ通っています。
週末には家族そろって近くの公園へ散歩に行きます。
祖父と祖母は田舎に住んでいて、夏休みには会いに行きます。
祖母の作る漬物は、家族のだれもが好きです。

去年の夏、私は友人と一緒にフランスを旅行しました。
パリでは美術館を巡り、たくさんの絵を見ました。
街角のパン屋で買ったパンは、とても香ばしかったです。
その後、列車でドイツに向かいました。
ベルリンでは古い壁の跡を見学しました。
旅の最後にはイタリアのローマを訪れました。
どの町にもそれぞれの歴史があり、毎日が新しい発見の連続でした。
日本に帰ってくると、東京の街がいつもより静かに感じられました。

この学校には、生徒が三百人ほど通っています。
一時間目は国語で、先生が物語を読み聞かせてくれました。
二時間目は算数で、分数の計算を練習しました。
休み時間には、みんなで校庭を走り回りました。
給食のカレーは、子どもたちに一番人気のある料理です。
放課後は図書室で宿題をしてから帰ります。

言葉の意味は、その言葉がどんな言葉と一緒に使われるかに表れます。
よく似た文脈に現れる言葉は、よく似た意味を持つと考えられます。
たとえば「犬」と「猫」は、どちらも「飼う」や「かわいい」と一緒によく使われます。
コンピュータは言葉をそのままでは扱えないので、数の並びに置き換えて計算します。
たくさんの文を読むことで、機械は言葉どうしの関係を少しずつ学んでいきます。

駅前の商店街には、古くからの店がたくさん並んでいます。
八百屋の店先には、季節の野菜や果物が山のように積まれています。
魚屋の主人は、朝早く市場へ行って新鮮な魚を仕入れます。
パン屋からは、一日中よい香りが漂ってきます。
夕方になると、買い物客で通りはにぎやかになります。
この町に住む人々は、商店街のことをとても大切に思っています。

牧場には牛や馬や羊がたくさんいます。
朝になると、牛は草を食べ、馬は柵の中を走り回ります。
牧場の犬は、羊の群れをうまくまとめます。
しぼりたての牛乳で作ったアイスクリームは、とても人気があります。
森の中では、鳥が木の枝でさえずっています。
小川には小さな魚が泳いでいます。
ウサギが草むらからそっと顔を出しました。
秋になると、リスは冬に備えて木の実を集めます。

山の上から見る朝日は、言葉にできないほど美しいものでした。
今日は一日中晴れて、とても気持ちのよい日でした。
明日は雨が降るかもしれないので、早めに洗濯をしておきます。
新しい言葉を覚えるには、毎日少しずつ練習するのが一番です。
図書館で借りた本を、返却日までに読み終えることができました。
駅のホームで、久しぶりに昔の友人に会いました。
二人で喫茶店に入り、長い時間話をしました。
話は尽きず、気がつくと外はすっかり暗くなっていました。
"""
PASSAGES = [p.splitlines() for p in PROSE.strip().split("\n\n")]


def _people_sentences(rng: random.Random) -> str:
    word, gender, group, age = rng.choice(PEOPLE)
    pron, gnoun = PRONOUN[gender], GENDER_NOUN[gender]
    home, place = rng.choice(HOMES[group]), rng.choice(PLACES[group])
    companion = rng.choice(COMPANIONS[group])
    deed = rng.choice(DEEDS[group])
    belonging = rng.choice(BELONGINGS[group])
    templates = [
        f"{word}は{home}に住んでいます。",
        f"{word}は{place}で{deed}。",
        f"{word}は{place}に戻り、{pron}の{companion}と話しました。",
        f"{word}は{pron}の{belonging}を大切にしています。",
        f"{word}という言葉は{gnoun}を指します。",
        f"{word}は{gnoun}で、{pron}の{companion}と{place}にいます。",
        f"その{word}は{place}で{pron}の{companion}を待っています。",
    ]
    if group != "common":
        templates.append(f"{pron}は{word}として{deed}。")
    if age != "adult":
        templates.append(f"{word}は{rng.choice(YOUNG_PHRASES)}、{pron}の{companion}に助けられています。")
    return rng.choice(templates)


def _pair_sentence(rng: random.Random) -> str:
    i = rng.randrange(0, len(PEOPLE), 2)
    (male, _, group, _), (female, _, _, _) = PEOPLE[i], PEOPLE[i + 1]
    place = rng.choice(PLACES[group])
    return rng.choice([
        f"{male}と{female}が{place}にいます。",
        f"{female}と{male}は{place}で話しています。",
        f"{male}は男性で、{female}は女性です。",
    ])


def _country_sentence(rng: random.Random) -> str:
    country, capital, language, region = rng.choice(COUNTRIES)
    name = rng.choice(NAMES)
    return rng.choice([
        f"{country}の首都は{capital}です。",
        f"{capital}は{country}の首都です。",
        f"{country}は{region}にある国です。",
        f"{country}の公用語は{language}です。",
        f"{capital}では{language}が話されています。",
        f"{capital}は大きな都市で、多くの人が住んでいます。",
        f"{capital}の駅はいつも混んでいます。",
        f"{name}さんは{capital}の街を歩きました。",
        f"{name}さんは{country}を旅行して、首都の{capital}に泊まりました。",
        f"{country}の政府は首都の{capital}にあります。",
        f"{country}の国旗は{capital}の空港にも飾られています。",
        f"{country}の人口は毎年少しずつ変わっています。",
        f"{capital}の空港に飛行機が着きました。",
    ])


def _job_sentence(rng: random.Random) -> str:
    job, place, thing, work = rng.choice(JOBS)
    return rng.choice([
        f"{job}は{place}で働いています。",
        f"{job}は毎日{place}へ行きます。",
        f"{job}は{work}。",
        f"{job}の仕事場は{place}です。",
        f"{job}は{place}で{thing}のことを考えています。",
        f"その{job}は{place}で{work}。",
    ])


def _animal_sentence(rng: random.Random) -> str:
    animal, home, food, act = rng.choice(ANIMALS)
    return rng.choice([
        f"{animal}は{home}に住んでいます。",
        f"{animal}は{food}を食べます。",
        f"{animal}は{act}。",
        f"{home}の{animal}は{food}が好きです。",
        f"{animal}は動物です。",
        f"{home}で{animal}が{food}を食べています。",
    ])


def _food_sentence(rng: random.Random) -> str:
    food, kind, colour, taste = rng.choice(FOODS)
    name, time = rng.choice(NAMES), rng.choice(TIMES)
    return rng.choice([
        f"{food}は{kind}です。",
        f"{food}は{colour}{kind}です。",
        f"この{food}はとても{taste}です。",
        f"{name}さんは{time}に{food}を食べました。",
        f"市場で{food}を買いました。",
        f"{kind}の中では{food}が一番好きです。",
    ])


def _daily_sentence(rng: random.Random) -> str:
    name, time = rng.choice(NAMES), rng.choice(TIMES)
    food = rng.choice(FOODS)[0]
    place = rng.choice(["公園", "図書館", "駅", "学校", "店", "家"])
    return rng.choice([
        f"{name}さんは{time}に{place}へ行きました。",
        f"{name}さんは{place}で本を読みました。",
        f"{time}、{name}さんは{place}で友人に会いました。",
        f"{name}さんは{time}に{food}を買いました。",
        f"{name}さんは{place}で少し休みました。",
    ])


_KINDS = [  # (generator, weight)
    (_people_sentences, 40), (_pair_sentence, 6), (_country_sentence, 20), (_job_sentence, 10),
    (_animal_sentence, 9), (_food_sentence, 9), (_daily_sentence, 6),
]


def generate_sentences(n_templated: int = N_TEMPLATED, seed: int = SEED) -> list[str]:
    """The corpus as a list of sentences: ``n_templated`` templated sentences, with the
    hand-written prose passages inserted between them (in order, passage by passage)."""
    rng = random.Random(seed)
    generators = [g for g, _ in _KINDS]
    weights = [w for _, w in _KINDS]
    lines = [rng.choices(generators, weights)[0](rng) for _ in range(n_templated)]
    # Each prose passage goes in one piece at a random position, passages in order.
    positions = sorted(rng.sample(range(n_templated), len(PASSAGES)))
    out: list[str] = []
    j = 0
    for i, line in enumerate(lines):
        while j < len(PASSAGES) and positions[j] == i:
            out.extend(PASSAGES[j])
            j += 1
        out.append(line)
    return out


def build(path: Path = CORPUS_PATH) -> Path:
    """Write the generated corpus to ``path`` (UTF-8, one sentence a line, final newline)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(generate_sentences()) + "\n", encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------
@lru_cache(maxsize=4)
def _read(path: str) -> tuple[str, ...]:
    text = Path(path).read_text(encoding="utf-8")
    return tuple(line for line in text.splitlines() if line.strip())


def load_sentences(path: str | Path = CORPUS_PATH) -> list[str]:
    """The sentences of the corpus file (a new list each call; the file is read once)."""
    return list(_read(str(path)))


@lru_cache(maxsize=8)
def _tokenized(path: str, drop_symbols: bool) -> tuple[tuple[str, ...], ...]:
    from llm_shikumi.morphology import tokenize

    out = []
    for sentence in _read(path):
        tokens = tokenize(sentence)
        if drop_symbols:
            tokens = [t for t in tokens if t not in SYMBOLS]
        out.append(tuple(tokens))
    return tuple(out)


def load_tokenized(drop_symbols: bool = False, path: str | Path = CORPUS_PATH) -> list[list[str]]:
    """The corpus split into 形態素 (morphemes) with :func:`llm_shikumi.morphology.tokenize`:
    one token list per sentence. ``drop_symbols=True`` leaves out punctuation (、。「」...).

    Tokenizing takes a second or two; the result is cached, so later calls are instant.
    Each call returns fresh lists, so changing them does not change the cache."""
    return [list(s) for s in _tokenized(str(path), bool(drop_symbols))]


def describe(path: str | Path = CORPUS_PATH) -> dict:
    """Statistics of the corpus: sentences, characters, bytes, tokens, vocabulary size and
    the 10 most frequent tokens."""
    sentences = load_sentences(path)
    tokens = [t for s in load_tokenized(path=path) for t in s]
    counts = Counter(tokens)
    return {
        "sentences": len(sentences),
        "characters": sum(len(s) for s in sentences),
        "bytes": Path(path).stat().st_size,
        "tokens": len(tokens),
        "vocabulary": len(counts),
        "most_common": counts.most_common(10),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Build or check the course corpus.")
    parser.add_argument("--build", action="store_true", help=f"write {CORPUS_PATH.name}")
    parser.add_argument("--check", action="store_true", help="fail if the file is out of date")
    args = parser.parse_args(argv)
    if args.build:
        print(f"wrote {build()}")
    if args.check:
        expected = "\n".join(generate_sentences()) + "\n"
        if CORPUS_PATH.read_text(encoding="utf-8") != expected:
            raise SystemExit(f"{CORPUS_PATH} is out of date: run python -m llm_shikumi.corpus --build")
        print("corpus is up to date")
    stats = describe()
    for key, value in stats.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
