/**
 * Edits between two words (insert, delete, replace, or swap two neighbours): `txt` is 1 from
 * `text`, `lable` 1 from `label`. For "did you mean" suggestions on what a person typed.
 */
export function editDistance(x: string, y: string): number {
  const d = Array.from({ length: x.length + 1 }, (_r, i) => Array.from({ length: y.length + 1 }, (_c, j) => i + j));
  for (let i = 1; i <= x.length; i++)
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      const swapped = i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1];
      if (swapped) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  return d[x.length]![y.length]!;
}
