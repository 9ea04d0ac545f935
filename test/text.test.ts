import { beforeAll, describe, expect, it } from 'vitest';
import { categoricalFromStrings, textColumn } from '../src/frame/column.js';
import { Frame } from '../src/frame/frame.js';
import { readTable } from '../src/io/index.js';
import { Featurizer, isNumberSeriesColumn } from '../src/models/featurize.js';
import { getLearnerSpec, modelFromJSON } from '../src/models/registry.js';
import { HASH_BUCKETS, TOP_WORDS_PER_CLASS, TextFastTextModel, hashedTerms, textFastTextSpec } from '../src/models/text/fasttext.js';
import { TextModel, TfidfVectorizer, documents, terms, textLinearSpec, textNbSpec, topTermsOf, words } from '../src/models/text/index.js';
import { Pipeline } from '../src/pipeline/pipeline.js';
import { buildModelReport, renderModelReportHtml } from '../src/report/index.js';
import { IntList, WordInterner } from '../src/models/text/interner.js';
import { isTabpilotError } from '../src/util/errors.js';
import { Random } from '../src/util/random.js';

/** Unit tests of the text learners: tokenizer, per-fold vocabulary, complement NB, top terms, number series. */

describe('tokenizer', () => {
  it('splits on Unicode letters and digits, lower-cases and NFKC-normalises', () => {
    expect(words('Ünïcödé café, naïve!! 東京タワー 42km')).toEqual(['ünïcödé', 'café', 'naïve', '東京タワー', '42km']);
    // NFKC: the full-width letters and the ligature fold to ASCII; Greek and Cyrillic stay words.
    expect(words('ＡＢＣ ﬁle Ωmega Привет-мир')).toEqual(['abc', 'file', 'ωmega', 'привет', 'мир']);
    expect(words('---  ...')).toEqual([]);
  });

  it('makes word bigrams and code-point character n-grams inside word boundaries', () => {
    expect(terms('Big data', { wordNgrams: 2, charNgrams: null })).toEqual(['big', 'data', 'big data']);
    const chars = terms('a😀b', { wordNgrams: 1, charNgrams: [3, 3] });
    // The emoji is not a letter: two words "a" and "b"; n-grams never split a surrogate pair.
    expect(chars).toEqual(['a', 'b', '# a ', '# b ']);
    expect(terms('héllo', { wordNgrams: 1, charNgrams: [5, 5] })).toEqual(['héllo', '# héll', '#héllo', '#éllo ']);
  });
});

describe('TF-IDF vocabulary', () => {
  it('keeps terms by document frequency and L2-normalises rows', () => {
    const docs = ['spam spam eggs', 'eggs ham', 'ham ham spam', 'toast'];
    const v = TfidfVectorizer.fit(docs, { wordNgrams: 1, charNgrams: null, minDf: 2, maxFeatures: 10, sublinearTf: false });
    expect(v.terms).toEqual(['eggs', 'ham', 'spam']);
    // smoothed idf: ln((1 + 4) / (1 + 2)) + 1 for every kept term (each is in 2 documents)
    for (const x of v.idf) expect(x).toBeCloseTo(Math.log(5 / 3) + 1, 12);
    const X = v.transform(docs);
    expect(Array.from(X.indptr)).toEqual([0, 2, 4, 6, 6]);
    // Row 0: spam twice, eggs once, equal idf: (1, 2) / sqrt(5).
    expect(X.values[0]).toBeCloseTo(1 / Math.sqrt(5), 12);
    expect(X.values[1]).toBeCloseTo(2 / Math.sqrt(5), 12);
  });

  it('interns exactly the words() of each document, on the ASCII fast path and off it', () => {
    const texts = ['Hello, WORLD! hello world 42km x_y', 'CAFÉ café Cafe\u0301 ＡＢＣ abc', 'e\u0301t\u00e9 ok OK', 'tab\there\nnewline', '', '...', 'ZZ top zz'];
    const interner = new WordInterner();
    const ids = new IntList();
    for (const grow of [true, false]) {
      for (const t of texts) {
        ids.length = 0;
        interner.appendWordIds(t, grow, ids);
        expect(Array.from(ids.data.subarray(0, ids.length), (id) => interner.words[id]), t).toEqual(words(t));
      }
    }
    ids.length = 0;
    interner.appendWordIds('hello UNSEENWORD', false, ids);
    expect(Array.from(ids.data.subarray(0, ids.length))).toEqual([interner.id('hello', false), -1]);
  });

  it('fitTransform gives the rows transform gives for the same documents (word and character n-grams)', () => {
    const docs = ['Spam SPAM eggs, café', 'eggs & ham; Ham', 'ham ham spam CAFÉ', 'toast', 'naïve spam eggs', 'ＥＧＧＳ toast ham'];
    for (const charNgrams of [null, [3, 4] as const]) {
      const { vectorizer, X } = TfidfVectorizer.fitTransform(docs, { wordNgrams: 2, charNgrams, minDf: 2, maxFeatures: 1000, sublinearTf: true });
      expect(vectorizer.terms).toContain('spam eggs');
      expect(vectorizer.terms).toContain('café');
      const again = vectorizer.transform(docs);
      expect(Array.from(X.indptr)).toEqual(Array.from(again.indptr));
      expect(Array.from(X.indices)).toEqual(Array.from(again.indices));
      expect(Array.from(X.values)).toEqual(Array.from(again.values));
    }
  });

  it('is fitted per fold: a word only in the validation rows is not in the trained vocabulary', async () => {
    const text = ['cheap pills now', 'meeting at noon', 'cheap watches now', 'lunch at noon', 'zyxwordonlyinvalidation cheap', 'zyxwordonlyinvalidation noon'];
    const frame = Frame.fromColumns([textColumn('msg', text), categoricalFromStrings('y', ['spam', 'ham', 'spam', 'ham', 'spam', 'ham'])]);
    const train = Int32Array.from([0, 1, 2, 3]);
    for (const spec of [textLinearSpec, textNbSpec, getLearnerSpec('text-gbdt')]) {
      const model = (await spec.create({ minDf: 1 }).fit(frame, frame.column('y'), { task: 'binary', rng: new Random(1), rows: train })) as TextModel;
      expect(model.vectorizer.terms, spec.kind).not.toContain('zyxwordonlyinvalidation');
      expect(model.vectorizer.terms, spec.kind).toContain('cheap');
      // Fitted on every row, the word is there: the test above would catch a vocabulary from all rows.
      const all = (await spec.create({ minDf: 1 }).fit(frame, frame.column('y'), { task: 'binary', rng: new Random(1) })) as TextModel;
      expect(all.vectorizer.terms, spec.kind).toContain('zyxwordonlyinvalidation');
    }
  });
});

describe('complement naive Bayes', () => {
  it('learns a planted vocabulary per class (three classes) and ranks the planted words first', async () => {
    const rng = new Random(3);
    const planted: Record<string, string[]> = { sport: ['goal', 'match', 'team'], food: ['recipe', 'sugar', 'oven'], tech: ['laptop', 'kernel', 'pixel'] };
    const filler = ['the', 'a', 'and', 'of', 'today', 'really', 'new', 'some', 'very', 'good'];
    const docs: string[] = [];
    const labels: string[] = [];
    const classes = Object.keys(planted);
    for (let i = 0; i < 300; i++) {
      const c = classes[i % 3];
      const ws = Array.from({ length: 12 }, () => filler[rng.int(filler.length)]);
      // Two planted words per document, at random positions; some noise words from another class.
      for (let k = 0; k < 2; k++) ws.splice(rng.int(ws.length), 0, planted[c][rng.int(3)]);
      if (rng.next() < 0.2) ws.push(planted[classes[(i + 1) % 3]][rng.int(3)]);
      docs.push(ws.join(' '));
      labels.push(c);
    }
    const frame = Frame.fromColumns([textColumn('doc', docs), categoricalFromStrings('label', labels)]);
    const rows = Int32Array.from({ length: 240 }, (_, i) => i);
    const model = await textNbSpec.create({ wordNgrams: 1 }).fit(frame, frame.column('label'), { task: 'multiclass', rng: new Random(1), rows });
    const test = frame.take(Int32Array.from({ length: 60 }, (_, i) => 240 + i));
    const pred = model.predict(test);
    let correct = 0;
    for (let i = 0; i < 60; i++) if (model.classes![pred[i]] === labels[240 + i]) correct++;
    expect(correct / 60).toBeGreaterThan(0.95);
    const top = topTermsOf(model, 3)!;
    for (const c of classes) expect([...top[c]].sort(), c).toEqual([...planted[c]].sort());
    // Probabilities are a softmax of the scaled scores: rows sum to 1, the argmax is the prediction.
    const proba = model.predictProba(test);
    for (let i = 0; i < 60; i++) expect(proba[i * 3] + proba[i * 3 + 1] + proba[i * 3 + 2]).toBeCloseTo(1, 9);
  });

  it('rejects regression and a frame without the text column', async () => {
    const frame = Frame.fromColumns([textColumn('doc', ['a b', 'c d']), categoricalFromStrings('label', ['x', 'y'])]);
    await expect(textNbSpec.create().fit(frame, frame.column('label'), { task: 'regression', rng: new Random(1) })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const model = await textNbSpec.create({ minDf: 1 }).fit(frame, frame.column('label'), { task: 'binary', rng: new Random(1) });
    let caught: unknown;
    try {
      model.predict(Frame.fromColumns([textColumn('other', ['a'])]));
    } catch (e) {
      caught = e;
    }
    expect(isTabpilotError(caught) && caught.code).toBe('SCHEMA_MISMATCH');
    expect(String(caught)).toContain('doc');
  });
});

describe('real data: the SpamAssassin fixture', () => {
  let frame: Frame;
  beforeAll(async () => {
    frame = (await readTable('fixtures/text/spam.csv')).frame;
  });

  it('reads as one text column and a two-class label', () => {
    expect(frame.numRows).toBe(2000);
    expect(frame.column('text').kind).toBe('text');
    expect(documents(frame, ['text'], Int32Array.from([0]))[0].length).toBeGreaterThan(20);
  });

  it('text-linear separates spam from ham on held-out messages and its top words make sense', async () => {
    const perm = new Random(11).permutation(frame.numRows);
    const train = perm.subarray(0, 1500);
    const model = await textLinearSpec.create().fit(frame, frame.column('label'), { task: 'binary', rng: new Random(1), rows: Int32Array.from(train) });
    const test = frame.take(perm.subarray(1500));
    const pred = model.predict(test);
    const y = test.column('label');
    let correct = 0;
    for (let i = 0; i < test.numRows; i++) if (model.classes![pred[i]] === (y.kind === 'categorical' ? y.dictionary[y.codes[i]] : '')) correct++;
    expect(correct / test.numRows).toBeGreaterThan(0.95);
    const top = topTermsOf(model, 20)!;
    expect(top.spam.some((w) => ['free', 'money', 'remove', 'click'].includes(w)), top.spam.join(' ')).toBe(true);
  });

  it('text-fasttext: accurate on held-out messages, deterministic for a seed, identical after a JSON round trip', async () => {
    const perm = new Random(11).permutation(frame.numRows);
    const rows = Int32Array.from(perm.subarray(0, 1500));
    const fit = (seed: number) => textFastTextSpec.create().fit(frame, frame.column('label'), { task: 'binary', rng: new Random(seed), rows });
    const model = (await fit(1)) as TextFastTextModel;
    const test = frame.take(perm.subarray(1500));
    const pred = model.predict(test);
    const y = test.column('label');
    let correct = 0;
    for (let i = 0; i < test.numRows; i++) if (model.classes[pred[i]] === (y.kind === 'categorical' ? y.dictionary[y.codes[i]] : '')) correct++;
    expect(correct / test.numRows).toBeGreaterThan(0.9);
    // The held-out slice picked the epoch; the vocabulary is capped at maxFeatures hashed buckets.
    expect(model.training.epochs).toBeGreaterThanOrEqual(1);
    expect(model.buckets.length).toBeLessThanOrEqual(textFastTextSpec.defaults.maxFeatures);
    const proba = model.predictProba(test);
    expect(Array.from((await fit(1)).predictProba(test))).toEqual(Array.from(proba));
    // Another seed starts from other embeddings and another row order: other probabilities.
    expect(Array.from((await fit(2)).predictProba(test))).not.toEqual(Array.from(proba));
    const text = JSON.stringify(model.toJSON());
    const loaded = modelFromJSON(JSON.parse(text));
    expect(Array.from(loaded.predictProba(test))).toEqual(Array.from(proba));
    expect(JSON.stringify(loaded.toJSON())).toBe(text);
  });
});

describe('text-fasttext', () => {
  it('hashes words and word pairs into the buckets, and its vocabulary is fitted per fold', async () => {
    const one = hashedTerms('Cheap pills, cheap!', 1);
    expect(one.length).toBe(3);
    expect(one[0]).toBe(one[2]);
    const two = hashedTerms('cheap pills cheap', 2);
    // cheap, pills, "cheap pills", cheap, "pills cheap": the two pairs differ (order matters).
    expect(two.length).toBe(5);
    expect(two[2]).not.toBe(two[4]);
    for (const b of two) expect(b >= 0 && b < HASH_BUCKETS).toBe(true);
    const text = ['cheap pills now', 'meeting at noon', 'cheap watches now', 'lunch at noon', 'zyxwordonlyinvalidation cheap', 'zyxwordonlyinvalidation noon'];
    const frame = Frame.fromColumns([textColumn('msg', text), categoricalFromStrings('y', ['spam', 'ham', 'spam', 'ham', 'spam', 'ham'])]);
    const unseen = hashedTerms('zyxwordonlyinvalidation', 1)[0];
    const fold = (await textFastTextSpec.create({ minDf: 1 }).fit(frame, frame.column('y'), { task: 'binary', rng: new Random(1), rows: Int32Array.from([0, 1, 2, 3]) })) as TextFastTextModel;
    expect(Array.from(fold.buckets)).not.toContain(unseen);
    expect(Array.from(fold.buckets)).toContain(hashedTerms('cheap', 1)[0]);
    const all = (await textFastTextSpec.create({ minDf: 1 }).fit(frame, frame.column('y'), { task: 'binary', rng: new Random(1) })) as TextFastTextModel;
    expect(Array.from(all.buckets)).toContain(unseen);
  });

  it('rejects a model file whose bucket index is out of range or out of order, naming the field', async () => {
    const frame = Frame.fromColumns([textColumn('msg', ['a b', 'b c', 'c a']), categoricalFromStrings('y', ['x', 'y', 'x'])]);
    const json = (await textFastTextSpec.create({ minDf: 1 }).fit(frame, frame.column('y'), { task: 'binary', rng: new Random(1) })).toJSON() as Record<string, unknown>;
    const buckets = json.buckets as number[];
    for (const [bad, where] of [
      [[...buckets.slice(0, -1), HASH_BUCKETS], `model.buckets[${buckets.length - 1}]`],
      [[...buckets].reverse(), 'model.buckets[1]'],
    ] as const) {
      let caught: unknown;
      try {
        modelFromJSON({ ...json, buckets: bad });
      } catch (e) {
        caught = e;
      }
      expect(isTabpilotError(caught) && caught.code).toBe('MODEL_FORMAT');
      expect(String(caught)).toContain(where);
    }
  });
});

describe('text-fasttext top words', () => {
  /** Three topics; each document has its topic's planted word and five words drawn from one shared pool. */
  function plantedCorpus(): { frame: Frame; planted: Record<string, string> } {
    const planted: Record<string, string> = { sport: 'goalkeeper', cooking: 'saucepan', finance: 'dividend' };
    const pool = ['the', 'a', 'and', 'news', 'today', 'people', 'time', 'report', 'week', 'local', 'great', 'new'];
    const rng = new Random(3);
    const docs: string[] = [];
    const labels: string[] = [];
    for (let i = 0; i < 300; i++) {
      const c = Object.keys(planted)[i % 3];
      const ws = Array.from({ length: 5 }, () => pool[rng.int(pool.length)]);
      ws.splice(rng.int(6), 0, planted[c]);
      docs.push(ws.join(' '));
      labels.push(c);
    }
    return { frame: Frame.fromColumns([textColumn('doc', docs), categoricalFromStrings('topic', labels)]), planted };
  }

  it('puts the word that alone decides a class at the top of that class', async () => {
    const { frame, planted } = plantedCorpus();
    const model = (await textFastTextSpec.create().fit(frame, frame.column('topic'), { task: 'multiclass', rng: new Random(1) })) as TextFastTextModel;
    const top = topTermsOf(model, 5)!;
    expect(Object.keys(top).sort()).toEqual(Object.keys(planted).sort());
    for (const [c, w] of Object.entries(planted)) {
      expect(top[c][0], `${c}: ${top[c].join(' ')}`).toBe(w);
      // A planted word speaks for its own class only.
      for (const other of Object.keys(planted)) if (other !== c) expect(top[other]).not.toContain(w);
    }
    // Stored compactly in the model JSON (at most TOP_WORDS_PER_CLASS per class) and kept through a round trip.
    const json = model.toJSON() as { topWords: string[][] };
    for (const list of json.topWords) expect(list.length).toBeLessThanOrEqual(TOP_WORDS_PER_CLASS);
    expect(topTermsOf(modelFromJSON(JSON.parse(JSON.stringify(json))), 5)).toEqual(top);
  });

  it('rejects malformed top words naming the field, and reads a file written before they were kept', async () => {
    const { frame } = plantedCorpus();
    const json = (await textFastTextSpec.create({ epochs: 2 }).fit(frame, frame.column('topic'), { task: 'multiclass', rng: new Random(1) })).toJSON() as Record<string, unknown>;
    const topWords = json.topWords as string[][];
    for (const [bad, where] of [
      [topWords.slice(1), 'model.topWords'],
      [[topWords[0], [1, 2], topWords[2]], 'model.topWords[1]'],
    ] as const) {
      let caught: unknown;
      try {
        modelFromJSON({ ...json, topWords: bad });
      } catch (e) {
        caught = e;
      }
      expect(isTabpilotError(caught) && caught.code).toBe('MODEL_FORMAT');
      expect(String(caught)).toContain(where);
    }
    const { topWords: _dropped, ...older } = json;
    expect(topTermsOf(modelFromJSON(older as never), 5)).toBeNull();
  });

  it('fills the model report\'s top-words section for a text-fasttext model (SpamAssassin)', async () => {
    const spam = (await readTable('fixtures/text/spam.csv')).frame;
    const rows = Int32Array.from({ length: 800 }, (_, i) => i);
    const model = await textFastTextSpec.create().fit(spam, spam.column('label'), { task: 'binary', rng: new Random(1), rows, classes: ['ham', 'spam'] });
    const pipeline = Pipeline.fromArtifact({
      format: 'tabpilot-model-dir',
      formatVersion: 1,
      task: 'binary',
      target: 'label',
      classes: ['ham', 'spam'],
      features: [{ name: 'text', kind: 'text' }],
      model: model.toJSON(),
      training: {},
    });
    const sample = spam.take(Int32Array.from({ length: 200 }, (_, i) => 1000 + i));
    const report = buildModelReport(pipeline, sample, { importanceRows: 50, importanceRepeats: 1, shapRows: 2, bootstrap: 10 });
    expect(report.topTerms?.source).toBe('text-fasttext');
    const { perClass } = report.topTerms!;
    expect(perClass.spam.length).toBeGreaterThan(5);
    expect(perClass.spam.some((w) => ['free', 'money', 'remove', 'click', 'business'].includes(w)), perClass.spam.join(' ')).toBe(true);
    const html = renderModelReportHtml(report);
    expect(html).toContain('Top words per class');
    expect(html).toContain(perClass.spam[0]);
  });
});

describe('number-series columns (time series as a column of numbers)', () => {
  const series = ['1,2,3,4', '4;3;2;1', '5,5,5,5', null, '2, 4, 8'];
  const frame = Frame.fromColumns([textColumn('s', series), textColumn('note', ['x', 'y', 'z', 'w', 'v'])]);

  it('is detected only when every value is a list of numbers', () => {
    expect(isNumberSeriesColumn(frame.column('s'))).toBe(true);
    expect(isNumberSeriesColumn(frame.column('note'))).toBe(false);
    expect(isNumberSeriesColumn(textColumn('mixed', ['1,2', 'a,b']))).toBe(false);
    expect(isNumberSeriesColumn(textColumn('single', ['1', '2']))).toBe(false);
  });

  it('becomes length, mean, std, min, max, last, slope and lag-1 autocorrelation columns; the JSON round-trips', () => {
    const f = Featurizer.fit(frame, ['s', 'note']);
    const out = f.transform(frame);
    const at = (stat: string) => Array.from((out.column(`s__${stat}`) as { values: Float64Array }).values);
    expect(at('len')).toEqual([4, 4, 4, NaN, 3]);
    expect(at('mean')).toEqual([2.5, 2.5, 5, NaN, 14 / 3]);
    expect(at('min')).toEqual([1, 1, 5, NaN, 2]);
    expect(at('max')).toEqual([4, 4, 5, NaN, 8]);
    expect(at('last')).toEqual([4, 1, 5, NaN, 8]);
    expect(at('slope')).toEqual([1, -1, 0, NaN, 3]);
    expect(at('std')[0]).toBeCloseTo(Math.sqrt(1.25), 12);
    // acf1 of 1,2,3,4: sum (x_t - 2.5)(x_{t-1} - 2.5) / sum (x_t - 2.5)^2 = (0.75 - 0.25 + 0.75) / 5
    expect(at('acf1')[0]).toBeCloseTo(0.25, 12);
    expect(at('acf1')[2]).toBe(0);
    expect(out.has('s')).toBe(false);
    expect(out.columnNames.some((n) => n.startsWith('note__tfidf'))).toBe(true);
    expect(f.outputNames(['s', 'note']).filter((n) => n.startsWith('s__'))).toHaveLength(8);
    const again = Featurizer.fromJSON(JSON.parse(JSON.stringify(f.toJSON())));
    expect(Array.from((again.transform(frame).column('s__slope') as { values: Float64Array }).values)).toEqual(at('slope'));
  });

  it('leaves featurizers of frames without a number series byte-identical (no series field)', () => {
    const f = Featurizer.fit(frame, ['note']);
    expect(Object.keys(f.toJSON())).toEqual(['text', 'datetime']);
  });
});
