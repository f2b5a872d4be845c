namespace Mimicry.Tokenizers;

/// <summary>
/// Byte-pair encoding over integer symbols (Sennrich et al. 2016): start from the alphabet 0..A−1, repeatedly
/// merge the most frequent adjacent pair into a new token until the vocabulary is full. Encoding applies the
/// merges in the order they were learned; decoding expands tokens back to symbols, so it is lossless.
/// Plain BPE over the symbol sequence, not Hugging Face's ByteLevel BPE that the released FAST tokenizer uses
/// (which first splits the string by character classes and UTF-8 bytes): ids are not compatible with it.
/// </summary>
public sealed class Bpe
{
    /// <summary>Size of the base alphabet (symbols 0..A−1).</summary>
    public int Alphabet { get; init; }
    /// <summary>Merge i creates token A + i from the pair (left, right).</summary>
    public int[][] Merges { get; init; } = [];
    public int VocabSize => Alphabet + Merges.Length;

    public static Bpe Train(IEnumerable<int[]> sequences, int alphabet, int vocabSize, int minFrequency = 2)
    {
        if (vocabSize < alphabet) throw new ArgumentException($"vocabulary ({vocabSize}) smaller than the alphabet ({alphabet})");
        var seqs = sequences.Select(s => s.ToList()).ToList();
        var merges = new List<int[]>();
        while (alphabet + merges.Count < vocabSize)
        {
            var counts = new Dictionary<(int, int), int>();
            foreach (var s in seqs)
                for (int i = 0; i + 1 < s.Count; i++)
                {
                    var pair = (s[i], s[i + 1]);
                    counts[pair] = counts.GetValueOrDefault(pair) + 1;
                }
            if (counts.Count == 0) break;
            // Most frequent pair; ties broken by the smaller pair, so training is deterministic.
            var best = counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key.Item1).ThenBy(kv => kv.Key.Item2).First();
            if (best.Value < minFrequency) break;
            int token = alphabet + merges.Count;
            merges.Add([best.Key.Item1, best.Key.Item2]);
            foreach (var s in seqs) Replace(s, best.Key.Item1, best.Key.Item2, token);
        }
        return new Bpe { Alphabet = alphabet, Merges = merges.ToArray() };
    }

    private static void Replace(List<int> s, int a, int b, int token)
    {
        int w = 0;
        for (int r = 0; r < s.Count; r++)
        {
            if (r + 1 < s.Count && s[r] == a && s[r + 1] == b) { s[w++] = token; r++; }
            else s[w++] = s[r];
        }
        s.RemoveRange(w, s.Count - w);
    }

    public int[] Encode(ReadOnlySpan<int> symbols)
    {
        var s = symbols.ToArray().ToList();
        foreach (var sym in s) if (sym < 0 || sym >= Alphabet) throw new ArgumentOutOfRangeException(nameof(symbols), sym, $"symbol outside the alphabet 0..{Alphabet - 1}");
        for (int m = 0; m < Merges.Length && s.Count > 1; m++) Replace(s, Merges[m][0], Merges[m][1], Alphabet + m);
        return s.ToArray();
    }

    /// <summary>The symbols of a token sequence; null if a token is outside the vocabulary.</summary>
    public int[]? Decode(ReadOnlySpan<int> tokens)
    {
        var output = new List<int>();
        foreach (int t in tokens)
        {
            if (t < 0 || t >= VocabSize) return null;
            Expand(t, output);
        }
        return output.ToArray();
    }

    private void Expand(int token, List<int> output)
    {
        if (token < Alphabet) { output.Add(token); return; }
        var m = Merges[token - Alphabet];
        Expand(m[0], output);
        Expand(m[1], output);
    }
}
