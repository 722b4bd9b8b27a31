/**
 * The parser's bookkeeping of names: which contexts exist (as a small tree of
 * names, so `delete`, `reset` and `setparent` can be followed) and which chunk
 * tokens are bound and still alive. It lets the parser reject a trace that
 * uses a context before creating it or after deleting it, binds a chunk token
 * twice, or touches a freed or dead chunk — all with the offending line.
 *
 * It models only what the format guarantees about names; it knows nothing of
 * sizes or counters. A failed operation (`= error` / `= null` right after it)
 * is undone with `undoLast()`: a failed create leaves no context, a failed
 * allocation binds nothing, a failed `free` (bump chunks) leaves the chunk.
 */
import { TraceParseError } from "./errors.ts";
import { TokenIndex } from "./token_index.ts";

/** One context as the parser sees it. */
export interface NameNode {
  /** The context's name. */
  name: string;
  /** Its parent, null for TopMemoryContext. */
  parent: NameNode | null;
  /** Its live children. */
  children: Set<NameNode>;
  /** False once deleted (or when its create failed). */
  alive: boolean;
  /** Bumped whenever the context is reset: chunks of older epochs are dead. */
  epoch: number;
  /** Line of the operation that ended it (delete or an ancestor's reset/delete). */
  endLine: number;
}

const ALIVE = 0;
const FREED = 1;
const FAILED = 2;

const UNDO_NONE = 0;
const UNDO_CREATE = 1;
const UNDO_BIND = 2;
const UNDO_FREE = 3;

/** Tracks live context names and chunk tokens while a trace is parsed. */
export class Liveness {
  /** File name for messages. */
  readonly file: string;
  /** Line being parsed (set by the parser before each operation). */
  line = 0;
  private readonly contexts = new Map<string, NameNode>();
  // Chunk tokens, by dense index: owning context, its epoch when bound, state, lines.
  private readonly chunkIds = new TokenIndex();
  private readonly chunkNode: NameNode[] = [];
  /** Four words per chunk: epoch when bound, state, line bound, line freed. */
  private chunkInfo = new Int32Array(4096);
  // One-entry cache of `context()`: consecutive operations mostly name the same context.
  private lastName = "";
  private lastNode: NameNode | null = null;
  // What the current operation bound, so a following `= error` can undo it.
  private undoKind = UNDO_NONE;
  private undoChunk = 0;
  private undoNode: NameNode | null = null;
  private undoPrevious: NameNode | undefined = undefined;

  /** Starts with TopMemoryContext and ErrorContext, as `MemoryContextInit` leaves them. */
  constructor(file: string) {
    this.file = file;
    const top = this.newNode("TopMemoryContext", null);
    this.newNode("ErrorContext", top);
  }

  /** Throws a TraceParseError for the current line. */
  fail(reason: string): never {
    throw new TraceParseError(this.file, this.line, reason);
  }

  /** Starts a new operation: forgets the undo record of the previous one. */
  begin(line: number): void {
    this.line = line;
    this.undoKind = UNDO_NONE;
  }

  /** The live context named `name`, or a parse error. */
  context(name: string): NameNode {
    const last = this.lastNode;
    if (name === this.lastName && last !== null && last.alive) return last;
    const node = this.contexts.get(name);
    if (node === undefined) this.fail(`context "${name}" is used before it is created`);
    if (!node.alive) {
      this.fail(`context "${name}" is used after it was deleted (line ${node.endLine})`);
    }
    this.lastName = name;
    this.lastNode = node;
    return node;
  }

  /** `create NAME … PARENT …`. */
  create(name: string, parentName: string): void {
    const previous = this.contexts.get(name);
    if (previous !== undefined && previous.alive) this.fail(`context "${name}" already exists`);
    const parent = this.context(parentName);
    const node = this.newNode(name, parent);
    this.undoKind = UNDO_CREATE;
    this.undoNode = node;
    this.undoPrevious = previous;
  }

  /**
   * An allocating verb binds `ptr` to a new chunk of `ctxName`. Returns the
   * context's name string (an interned copy, so parsed operations share it).
   */
  bind(ptr: string, ctxName: string): string {
    const node = this.context(ctxName);
    const ids = this.chunkIds;
    const before = ids.size;
    const id = ids.add(ptr);
    if (id < before) {
      const first = this.chunkInfo[id * 4 + 2];
      this.fail(`chunk token "${ptr}" is bound twice (first at line ${first})`);
    }
    this.chunkNode.push(node);
    let info = this.chunkInfo;
    const k = id * 4;
    if (k + 4 > info.length) {
      const grown = new Int32Array(info.length * 2);
      grown.set(info);
      this.chunkInfo = info = grown;
    }
    info[k] = node.epoch;
    info[k + 1] = ALIVE;
    info[k + 2] = this.line;
    info[k + 3] = 0;
    this.undoKind = UNDO_BIND;
    this.undoChunk = id;
    return node.name;
  }

  /** A verb that uses the chunk `ptr`; it must be bound and alive. Returns its index. */
  use(ptr: string): number {
    const id = this.chunkIds.get(ptr);
    if (id < 0) this.fail(`chunk token "${ptr}" is used before it is bound`);
    const info = this.chunkInfo;
    const k = id * 4;
    const state = info[k + 1];
    if (state === FREED) {
      this.fail(`chunk "${ptr}" is used after it was freed (line ${info[k + 3]})`);
    }
    if (state === FAILED) {
      this.fail(`chunk "${ptr}" is used although its allocation failed (line ${info[k + 2]})`);
    }
    const node = this.chunkNode[id];
    if (!node.alive || node.epoch !== info[k]) {
      this.fail(`chunk "${ptr}" is dead: context "${node.name}" was reset or deleted`);
    }
    return id;
  }

  /** `free PTR`. */
  free(ptr: string): void {
    const id = this.use(ptr);
    this.chunkInfo[id * 4 + 1] = FREED;
    this.chunkInfo[id * 4 + 3] = this.line;
    this.undoKind = UNDO_FREE;
    this.undoChunk = id;
  }

  /** `reset CTX`: its chunks die and its children are deleted. Returns the interned name. */
  reset(name: string): string {
    const node = this.context(name);
    node.epoch++;
    for (const child of [...node.children]) this.kill(child);
    return node.name;
  }

  /** `resetonly CTX`: its chunks die. */
  resetOnly(name: string): string {
    const node = this.context(name);
    node.epoch++;
    return node.name;
  }

  /** `resetchildren CTX`: the chunks of every descendant die. */
  resetChildren(name: string): string {
    const bump = (node: NameNode): void => {
      for (const child of node.children) {
        child.epoch++;
        bump(child);
      }
    };
    const node = this.context(name);
    bump(node);
    return node.name;
  }

  /** `delete CTX`: the context and its descendants die. */
  delete(name: string): string {
    const node = this.context(name);
    this.kill(node);
    return node.name;
  }

  /** `deletechildren CTX`: every descendant dies. */
  deleteChildren(name: string): string {
    const node = this.context(name);
    for (const child of [...node.children]) this.kill(child);
    return node.name;
  }

  /** `setparent CTX PARENT`: moves a context; refuses to make a cycle. */
  setParent(name: string, parentName: string): void {
    const node = this.context(name);
    const parent = this.context(parentName);
    for (let p: NameNode | null = parent; p !== null; p = p.parent) {
      if (p === node) this.fail(`setparent would make "${name}" its own ancestor`);
    }
    node.parent?.children.delete(node);
    node.parent = parent;
    parent.children.add(node);
  }

  /**
   * The operation just parsed failed (`= error` or `= null`): undo what it
   * would have bound. Safe to call more than once per operation.
   */
  undoLast(): void {
    const kind = this.undoKind;
    this.undoKind = UNDO_NONE;
    if (kind === UNDO_CREATE) {
      const node = this.undoNode as NameNode;
      node.parent?.children.delete(node);
      node.alive = false;
      node.endLine = this.line;
      if (this.undoPrevious === undefined) this.contexts.delete(node.name);
      else this.contexts.set(node.name, this.undoPrevious);
      this.undoNode = null;
      this.undoPrevious = undefined;
    } else if (kind === UNDO_BIND) {
      this.chunkInfo[this.undoChunk * 4 + 1] = FAILED;
    } else if (kind === UNDO_FREE) {
      this.chunkInfo[this.undoChunk * 4 + 1] = ALIVE;
    }
  }

  /** Adds a live context below `parent`. */
  private newNode(name: string, parent: NameNode | null): NameNode {
    const node: NameNode = {
      name,
      parent,
      children: new Set(),
      alive: true,
      epoch: 0,
      endLine: 0,
    };
    parent?.children.add(node);
    this.contexts.set(name, node);
    return node;
  }

  /** Marks `node` and its subtree dead. */
  private kill(node: NameNode): void {
    node.parent?.children.delete(node);
    const stack = [node];
    while (stack.length > 0) {
      const n = stack.pop() as NameNode;
      n.alive = false;
      n.endLine = this.line;
      for (const child of n.children) stack.push(child);
      n.children.clear();
    }
  }
}
