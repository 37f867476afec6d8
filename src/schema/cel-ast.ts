/**
 * A compact JSON form of parsed CEL expressions, so the CLI does not run the CEL parser (slow:
 * about a millisecond per rule) on every start: scripts/build-validators.mjs parses each rule
 * once and stores this form; `decodeExpr` rebuilds the protobuf-es `cel.expr.Expr` objects the
 * planner takes. Each node is an array led by a tag and the node id:
 *   ['c', id, kind, value]   constant (kind: n null, b bool, i int64, u uint64, d double, s string, y bytes)
 *   ['i', id, name]          identifier
 *   ['s', id, operand, field, testOnly]
 *   ['f', id, function, args, target?]
 *   ['l', id, elements, optionalIndices]
 *   ['m', id, messageName, [[entryId, 'f' | 'k', field or key, value, optional], ...]]
 *   ['x', id, iterVar, iterVar2, iterRange, accuVar, accuInit, loopCondition, loopStep, result]
 * The encoder is in scripts/build-validators.mjs (encodeExpr); the two must agree.
 */
import type { plan } from '@bufbuild/cel';

/** The `cel.expr.Expr` message, as the planner's parameter type names it. */
type Expr = Extract<Parameters<typeof plan>[1], { $typeName: 'cel.expr.Expr' }>;

export type EncodedExpr = [string, number, ...unknown[]];

export function decodeExpr(node: EncodedExpr): Expr {
  const [tag, rawId] = node;
  const id = BigInt(rawId);
  const expr = (exprKind: unknown) => ({ $typeName: 'cel.expr.Expr', id, exprKind }) as Expr;
  const child = (value: unknown) => (value == null ? undefined : decodeExpr(value as EncodedExpr));
  switch (tag) {
    case 'c':
      return expr({ case: 'constExpr', value: { $typeName: 'cel.expr.Constant', constantKind: constant(node[2] as string, node[3]) } });
    case 'i':
      return expr({ case: 'identExpr', value: { $typeName: 'cel.expr.Expr.Ident', name: node[2] } });
    case 's':
      return expr({
        case: 'selectExpr',
        value: { $typeName: 'cel.expr.Expr.Select', operand: child(node[2]), field: node[3], testOnly: node[4] === 1 },
      });
    case 'f':
      return expr({
        case: 'callExpr',
        value: { $typeName: 'cel.expr.Expr.Call', function: node[2], args: (node[3] as EncodedExpr[]).map(decodeExpr), target: child(node[4]) },
      });
    case 'l':
      return expr({
        case: 'listExpr',
        value: { $typeName: 'cel.expr.Expr.CreateList', elements: (node[2] as EncodedExpr[]).map(decodeExpr), optionalIndices: node[3] },
      });
    case 'm':
      return expr({
        case: 'structExpr',
        value: {
          $typeName: 'cel.expr.Expr.CreateStruct',
          messageName: node[2],
          entries: (node[3] as [number, string, unknown, EncodedExpr, number][]).map(([entryId, keyKind, key, value, optional]) => ({
            $typeName: 'cel.expr.Expr.CreateStruct.Entry',
            id: BigInt(entryId),
            keyKind: keyKind === 'f' ? { case: 'fieldKey', value: key } : { case: 'mapKey', value: decodeExpr(key as EncodedExpr) },
            value: decodeExpr(value),
            optionalEntry: optional === 1,
          })),
        },
      });
    case 'x':
      return expr({
        case: 'comprehensionExpr',
        value: {
          $typeName: 'cel.expr.Expr.Comprehension',
          iterVar: node[2],
          iterVar2: node[3],
          iterRange: child(node[4]),
          accuVar: node[5],
          accuInit: child(node[6]),
          loopCondition: child(node[7]),
          loopStep: child(node[8]),
          result: child(node[9]),
        },
      });
    default:
      throw new Error(`unknown CEL node tag ${tag}`);
  }
}

function constant(kind: string, value: unknown): unknown {
  switch (kind) {
    case 'n':
      return { case: 'nullValue', value: 0 };
    case 'b':
      return { case: 'boolValue', value };
    case 'i':
      return { case: 'int64Value', value: BigInt(value as string) };
    case 'u':
      return { case: 'uint64Value', value: BigInt(value as string) };
    case 'd':
      return { case: 'doubleValue', value };
    case 's':
      return { case: 'stringValue', value };
    case 'y':
      return { case: 'bytesValue', value: Uint8Array.from(Buffer.from(value as string, 'base64')) };
    default:
      throw new Error(`unknown CEL constant kind ${kind}`);
  }
}
