import { TabpilotError } from '../../util/errors.js';

/**
 * The custom-formula expression language (Spark SQL flavoured): numbers, 'strings' or "strings",
 * columns by name (or `quoted with backticks`), + - * / % ^, = == != <> < <= > >=, and/or/not (&& || !),
 * true/false/null, and function calls such as if(c, a, b), abs(x), concat(a, b), year(d).
 * It is parsed into this AST and compiled; nothing is ever evaluated as JavaScript.
 */
export type Expr =
  | { k: 'num'; v: number; pos: number }
  | { k: 'str'; v: string; pos: number }
  | { k: 'bool'; v: boolean; pos: number }
  | { k: 'null'; pos: number }
  | { k: 'col'; name: string; pos: number }
  | { k: 'call'; name: string; args: Expr[]; pos: number }
  | { k: 'un'; op: '-' | 'not'; a: Expr; pos: number }
  | { k: 'bin'; op: BinOp; a: Expr; b: Expr; pos: number };

export type BinOp = '+' | '-' | '*' | '/' | '%' | '^' | '=' | '!=' | '<' | '<=' | '>' | '>=' | 'and' | 'or';

interface Token {
  t: 'num' | 'str' | 'id' | 'qid' | 'op' | 'end';
  v: string;
  pos: number;
}

export function formulaError(formula: string, pos: number, message: string): TabpilotError {
  const caret = `${formula}\n${' '.repeat(Math.max(0, pos))}^`;
  return new TabpilotError('FLOW_INVALID', `formula error at position ${pos + 1}: ${message}\n${caret}`);
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i];
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const start = i;
    if (/[0-9]/.test(ch) || (ch === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(src.slice(i));
      if (!m) throw formulaError(src, i, 'malformed number');
      out.push({ t: 'num', v: m[0], pos: start });
      i += m[0].length;
      continue;
    }
    if (ch === "'" || ch === '"' || ch === '`') {
      let s = '';
      i++;
      while (i < src.length && src[i] !== ch) {
        if (src[i] === '\\' && i + 1 < src.length) {
          const e = src[i + 1];
          s += e === 'n' ? '\n' : e === 't' ? '\t' : e;
          i += 2;
          continue;
        }
        s += src[i++];
      }
      if (i >= src.length) throw formulaError(src, start, `unterminated ${ch === '`' ? 'quoted column name' : 'string'}`);
      i++;
      out.push({ t: ch === '`' ? 'qid' : 'str', v: s, pos: start });
      continue;
    }
    if (/[A-Za-z_]/.test(ch)) {
      const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(src.slice(i))!;
      out.push({ t: 'id', v: m[0], pos: start });
      i += m[0].length;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (['<=', '>=', '!=', '<>', '==', '&&', '||'].includes(two)) {
      out.push({ t: 'op', v: two, pos: start });
      i += 2;
      continue;
    }
    if ('+-*/%^=<>(),!'.includes(ch)) {
      out.push({ t: 'op', v: ch, pos: start });
      i++;
      continue;
    }
    throw formulaError(src, i, `unexpected character "${ch}"`);
  }
  out.push({ t: 'end', v: '', pos: src.length });
  return out;
}

/**
 * Deepest expression a formula may nest (parentheses, calls, operator chains, unary signs). Far beyond
 * any hand-written formula; it keeps parsing, type-checking and code generation (all recursive) from
 * overflowing the stack on hostile input, which must fail with a formula error instead.
 */
export const MAX_FORMULA_DEPTH = 256;

export function parseFormula(src: string): Expr {
  if (src.trim() === '') throw formulaError(src, 0, 'the formula is empty');
  const c = new Cursor(src, tokenize(src));
  const isOp = (...ops: string[]) => c.isOp(...ops);
  const isKw = (kw: string) => c.isKw(kw);

  const orExpr = (): Expr => c.nested(orChain);
  const orChain = (): Expr => {
    let a = andExpr();
    while (isOp('||') || isKw('or')) {
      const pos = c.next().pos;
      a = { k: 'bin', op: 'or', a, b: andExpr(), pos };
    }
    return a;
  };
  const andExpr = (): Expr => {
    let a = notExpr();
    while (isOp('&&') || isKw('and')) {
      const pos = c.next().pos;
      a = { k: 'bin', op: 'and', a, b: notExpr(), pos };
    }
    return a;
  };
  const notExpr = (): Expr => {
    if (isOp('!') || isKw('not')) {
      const pos = c.next().pos;
      return { k: 'un', op: 'not', a: c.nested(notExpr), pos };
    }
    return comparison();
  };
  const comparison = (): Expr => {
    const a = additive();
    if (isOp('=', '==', '!=', '<>', '<', '<=', '>', '>=')) {
      const t = c.next();
      const op: BinOp = t.v === '==' ? '=' : t.v === '<>' ? '!=' : (t.v as BinOp);
      const b = additive();
      if (isOp('=', '==', '!=', '<>', '<', '<=', '>', '>=')) throw formulaError(src, c.peek().pos, 'comparisons cannot be chained; combine them with "and"');
      return { k: 'bin', op, a, b, pos: t.pos };
    }
    return a;
  };
  const additive = (): Expr => {
    let a = multiplicative();
    while (isOp('+', '-')) {
      const t = c.next();
      a = { k: 'bin', op: t.v as BinOp, a, b: multiplicative(), pos: t.pos };
    }
    return a;
  };
  const multiplicative = (): Expr => {
    let a = unary();
    while (isOp('*', '/', '%')) {
      const t = c.next();
      a = { k: 'bin', op: t.v as BinOp, a, b: unary(), pos: t.pos };
    }
    return a;
  };
  const unary = (): Expr => {
    if (isOp('-')) {
      const pos = c.next().pos;
      return { k: 'un', op: '-', a: c.nested(unary), pos };
    }
    if (isOp('+')) {
      c.p++;
      return c.nested(unary);
    }
    return power();
  };
  const power = (): Expr => {
    const a = primary(c, orExpr);
    if (isOp('^')) {
      const pos = c.next().pos;
      return { k: 'bin', op: '^', a, b: c.nested(unary), pos };
    }
    return a;
  };
  const e = orExpr();
  if (c.peek().t !== 'end') throw formulaError(src, c.peek().pos, `unexpected "${c.peek().v}" after a complete expression`);
  checkTreeDepth(src, e);
  return e;
}

/** A number, string, column, call or parenthesized expression. */
function primary(c: Cursor, orExpr: () => Expr): Expr {
  const t = c.peek();
  if (t.t === 'num') {
    c.p++;
    return { k: 'num', v: Number(t.v), pos: t.pos };
  }
  if (t.t === 'str') {
    c.p++;
    return { k: 'str', v: t.v, pos: t.pos };
  }
  if (t.t === 'qid') {
    c.p++;
    return { k: 'col', name: t.v, pos: t.pos };
  }
  if (t.t === 'id') {
    c.p++;
    const lower = t.v.toLowerCase();
    if (c.isOp('(')) {
      c.p++;
      const args: Expr[] = [];
      if (!c.isOp(')')) {
        args.push(orExpr());
        while (c.isOp(',')) {
          c.p++;
          args.push(orExpr());
        }
      }
      c.expect(')');
      return { k: 'call', name: lower, args, pos: t.pos };
    }
    if (lower === 'true' || lower === 'false') return { k: 'bool', v: lower === 'true', pos: t.pos };
    if (lower === 'null') return { k: 'null', pos: t.pos };
    return { k: 'col', name: t.v, pos: t.pos };
  }
  if (c.isOp('(')) {
    c.p++;
    const e = orExpr();
    c.expect(')');
    return e;
  }
  throw formulaError(c.src, t.pos, t.t === 'end' ? 'the formula ends too early' : `unexpected "${t.v}"`);
}

/** The token stream of one parse, with the recursion depth of the descent. */
class Cursor {
  p = 0;
  private depth = 0;
  constructor(
    readonly src: string,
    readonly toks: Token[],
  ) {}
  peek(): Token {
    return this.toks[this.p];
  }
  next(): Token {
    return this.toks[this.p++];
  }
  isOp(...ops: string[]): boolean {
    return this.peek().t === 'op' && ops.includes(this.peek().v);
  }
  isKw(kw: string): boolean {
    return this.peek().t === 'id' && this.peek().v.toLowerCase() === kw;
  }
  expect(v: string): void {
    if (!this.isOp(v)) throw formulaError(this.src, this.peek().pos, `expected "${v}"${this.peek().t === 'end' ? ' before the end of the formula' : `, found "${this.peek().v}"`}`);
    this.p++;
  }
  /** Runs one level of recursive descent, refusing to nest deeper than MAX_FORMULA_DEPTH. */
  nested<T>(f: () => T): T {
    if (++this.depth > MAX_FORMULA_DEPTH) throw formulaError(this.src, this.peek().pos, `the formula nests deeper than ${MAX_FORMULA_DEPTH} levels`);
    try {
      return f();
    } finally {
      this.depth--;
    }
  }
}

/** Operator chains (a + b + c ...) are parsed in loops but nest in the tree: the tree's depth is checked too. */
function checkTreeDepth(src: string, e: Expr): void {
  const stack: [Expr, number][] = [[e, 1]];
  while (stack.length > 0) {
    const [x, d] = stack.pop()!;
    if (d > MAX_FORMULA_DEPTH) throw formulaError(src, x.pos, `the formula nests deeper than ${MAX_FORMULA_DEPTH} levels`);
    if (x.k === 'call') for (const a of x.args) stack.push([a, d + 1]);
    else if (x.k === 'un') stack.push([x.a, d + 1]);
    else if (x.k === 'bin') stack.push([x.a, d + 1], [x.b, d + 1]);
  }
}

/** Column names an expression reads. */
export function formulaColumns(e: Expr, out = new Set<string>()): Set<string> {
  if (e.k === 'col') out.add(e.name);
  else if (e.k === 'call') e.args.forEach((a) => formulaColumns(a, out));
  else if (e.k === 'un') formulaColumns(e.a, out);
  else if (e.k === 'bin') {
    formulaColumns(e.a, out);
    formulaColumns(e.b, out);
  }
  return out;
}
