using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CompreFace.Grains.Collections;

/// <summary>One search hit inside an index: the example, its subject and the cosine with the query.</summary>
internal readonly record struct IndexMatch(Guid ImageId, Guid SubjectId, float Cosine);

/// <summary>
/// Unit vectors held compactly in memory and searched by brute force.
/// </summary>
/// <remarks>
/// <para>
/// Each component is stored as a 16-bit fixed-point number, <c>round(x · 46000)</c>. Search is memory-bandwidth bound, so
/// halving the bytes of float32 halves the time; unlike float16, fixed point needs no conversion: one AVX-512
/// <c>vpmaddwd</c> multiplies 32 pairs and adds them into 16 int32 lanes. The scale is the largest for which no int32 sum
/// can overflow: for unit vectors |Σ aᵢbᵢ| ≤ 1, so every partial sum stays within 46000² &lt; 2³¹. The rounding error
/// (≤ 1.1e-5 per component) changes a cosine by about 1e-5, two orders below the gaps between real faces
/// (docs/decisions/0007-collections-as-sharded-grains.md; top-1 agreement with float32 search in docs/performance.md).
/// </para>
/// <para>
/// Rows live in fixed-size chunks so growth never copies the collection; deletion swaps the last row into the hole.
/// Not thread-safe for writers: the owning grain serialises writes, and reads only run between writes.
/// </para>
/// </remarks>
internal sealed class EmbeddingIndex
{
    /// <summary>Fixed-point scale of stored components and queries.</summary>
    public const float Scale = 46000f;

    private const int ChunkRows = 4096;

    /// <summary>Rows scored per block: 512 × 1 KB stays in the L2 cache while every query of a request is scored.</summary>
    private const int BlockRows = 512;

    /// <summary>
    /// Above this many rows (one chunk, the unit a participant claims) a search shares its chunks with the
    /// <see cref="ScanHelpers"/> threads; a single chunk stays on the calling thread.
    /// </summary>
    private const int HelperThreshold = ChunkRows + 1;
    private const double InverseScaleSquared = 1.0 / ((double)Scale * Scale);

    private readonly List<short[]> _chunks = [];
    private readonly Dictionary<Guid, int> _rowOf = [];
    private readonly Dictionary<Guid, int> _subjectOrdinal = [];
    private readonly List<Guid> _subjects = [];
    private Guid[] _imageIds = [];
    private int[] _subjectOfRow = [];

    /// <summary>Creates an index of <paramref name="dimension"/>-component vectors.</summary>
    public EmbeddingIndex(int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        Dimension = dimension;
    }

    /// <summary>Components per vector.</summary>
    public int Dimension { get; }

    /// <summary>Number of stored vectors.</summary>
    public int Count { get; private set; }

    /// <summary>Bytes held for vectors, ids and subject links (for the memory-per-face measurement).</summary>
    public long ApproximateBytes =>
        (_chunks.Count * (long)ChunkRows * Dimension * sizeof(short))
        + (_imageIds.Length * 16L) + (_subjectOfRow.Length * 4L)
        + (_rowOf.Count * 24L) + (_subjectOrdinal.Count * 24L) + (_subjects.Count * 16L);

    /// <summary>Whether <paramref name="imageId"/> is stored.</summary>
    public bool Contains(Guid imageId) => _rowOf.ContainsKey(imageId);

    /// <summary>The image ids held (for the shard digest, <see cref="ShardDigest"/>).</summary>
    public IEnumerable<Guid> ImageIds => _rowOf.Keys;

    /// <summary>Adds a unit vector (or replaces the one stored under the same id).</summary>
    public void Add(Guid imageId, Guid subjectId, ReadOnlySpan<float> unitVector)
    {
        if (unitVector.Length != Dimension)
        {
            throw new ArgumentException($"Expected {Dimension} components, got {unitVector.Length}.", nameof(unitVector));
        }

        if (!_rowOf.TryGetValue(imageId, out var row))
        {
            row = Count;
            EnsureCapacity(row + 1);
            Count++;
            _rowOf.Add(imageId, row);
            _imageIds[row] = imageId;
        }

        _subjectOfRow[row] = OrdinalOf(subjectId);
        Quantize(unitVector, RowSpan(row));
    }

    /// <summary>Removes a vector; false when it is not stored.</summary>
    public bool Remove(Guid imageId)
    {
        if (!_rowOf.Remove(imageId, out var row))
        {
            return false;
        }

        var last = Count - 1;
        if (row != last)
        {
            RowSpan(last).CopyTo(RowSpan(row));
            _imageIds[row] = _imageIds[last];
            _subjectOfRow[row] = _subjectOfRow[last];
            _rowOf[_imageIds[row]] = row;
        }

        Count = last;
        return true;
    }

    /// <summary>Removes every vector of a subject; returns how many.</summary>
    public int RemoveSubject(Guid subjectId)
    {
        if (!_subjectOrdinal.TryGetValue(subjectId, out var ordinal))
        {
            return 0;
        }

        var victims = new List<Guid>();
        for (var row = 0; row < Count; row++)
        {
            if (_subjectOfRow[row] == ordinal)
            {
                victims.Add(_imageIds[row]);
            }
        }

        foreach (var id in victims)
        {
            Remove(id);
        }

        return victims.Count;
    }

    /// <summary>Moves every vector of <paramref name="from"/> to <paramref name="to"/> (a subject merge).</summary>
    public void ReassignSubject(Guid from, Guid to)
    {
        if (!_subjectOrdinal.TryGetValue(from, out var fromOrdinal))
        {
            return;
        }

        var toOrdinal = OrdinalOf(to);
        var rows = _subjectOfRow.AsSpan(0, Count);
        for (var row = 0; row < rows.Length; row++)
        {
            if (rows[row] == fromOrdinal)
            {
                rows[row] = toOrdinal;
            }
        }
    }

    /// <summary>Drops everything.</summary>
    public void Clear()
    {
        _chunks.Clear();
        _rowOf.Clear();
        _subjectOrdinal.Clear();
        _subjects.Clear();
        _imageIds = [];
        _subjectOfRow = [];
        Count = 0;
    }

    /// <summary>
    /// The <paramref name="count"/> best matches for each unit query, best first; with <paramref name="perSubject"/>,
    /// each subject appears once, with its best example. All queries are answered in one pass over the rows, so each
    /// row is read from memory once however many faces the image had.
    /// </summary>
    public IndexMatch[][] Search(IReadOnlyList<float[]> unitQueries, int count, bool perSubject)
    {
        ArgumentNullException.ThrowIfNull(unitQueries);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var queries = new short[unitQueries.Count][];
        for (var q = 0; q < queries.Length; q++)
        {
            if (unitQueries[q].Length != Dimension)
            {
                throw new ArgumentException($"Expected {Dimension} components, got {unitQueries[q].Length}.", nameof(unitQueries));
            }

            queries[q] = new short[Dimension];
            Quantize(unitQueries[q], queries[q]);
        }

        // Blocks are claimed dynamically by this thread and by any helper thread that wakes in time; each keeps its
        // own selections, merged below. A small index, or a node without spare cores, scans on this thread alone.
        Selection[] parts;
        if (Count >= HelperThreshold && ScanHelpers.Count > 0)
        {
            var scan = new BlockScan(this, queries, count, perSubject);
            ScanHelpers.Post(scan);
            parts = scan.Finish(scan.ScanClaimedBlocks());
        }
        else
        {
            var selection = NewSelection(queries.Length, count, perSubject);
            Scan(0, Count, queries, selection);
            parts = [selection];
        }

        var results = new IndexMatch[queries.Length][];
        for (var q = 0; q < queries.Length; q++)
        {
            TopK selector;
            if (perSubject)
            {
                selector = new TopK(Math.Min(count, Math.Max(_subjects.Count, 1)));
                for (var s = 0; s < _subjects.Count; s++)
                {
                    var bestScore = int.MinValue;
                    var bestRow = -1;
                    foreach (var part in parts)
                    {
                        var best = part.BestPerSubject![q];
                        // Equal scores keep the earlier row, whichever thread scanned it.
                        if (best[2 * s] != int.MinValue
                            && (bestRow < 0 || best[2 * s] > bestScore || (best[2 * s] == bestScore && best[(2 * s) + 1] < bestRow)))
                        {
                            bestScore = best[2 * s];
                            bestRow = best[(2 * s) + 1];
                        }
                    }

                    if (bestRow >= 0)
                    {
                        selector.Offer(bestScore, bestRow);
                    }
                }
            }
            else if (parts.Length == 1)
            {
                selector = parts[0].Selectors[q];
            }
            else
            {
                selector = new TopK(Math.Min(count, Math.Max(Count, 1)));
                foreach (var part in parts)
                {
                    part.Selectors[q].CopyTo(selector);
                }
            }

            results[q] = selector.Drain(this);
        }

        return results;
    }

    /// <summary>Scores rows [from, to) against every query, block by block, into <paramref name="selection"/>.</summary>
    private void Scan(int from, int to, short[][] queries, Selection selection)
    {
        var scores = ArrayPool<int>.Shared.Rent(BlockRows);
        try
        {
            for (var row = from; row < to;)
            {
                // A block never crosses a chunk, so its rows are one contiguous span; it stays in cache for all queries.
                var first = row % ChunkRows;
                var rows = Math.Min(Math.Min(BlockRows, ChunkRows - first), to - row);
                var block = _chunks[row / ChunkRows].AsSpan(first * Dimension, rows * Dimension);
                for (var q = 0; q < queries.Length; q++)
                {
                    ScoreRows(block, rows, queries[q], scores);
                    if (selection.BestPerSubject is { } bestPerSubject)
                    {
                        // [2s] = best score of subject s, [2s + 1] = its row.
                        var best = bestPerSubject[q];
                        for (var r = 0; r < rows; r++)
                        {
                            var slot = _subjectOfRow[row + r] * 2;
                            if (scores[r] > best[slot])
                            {
                                best[slot] = scores[r];
                                best[slot + 1] = row + r;
                            }
                        }
                    }
                    else
                    {
                        var selector = selection.Selectors[q];
                        for (var r = 0; r < rows; r++)
                        {
                            if (selector.Accepts(scores[r]))
                            {
                                selector.Offer(scores[r], row + r);
                            }
                        }
                    }
                }

                row += rows;
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(scores);
        }
    }

    private Selection NewSelection(int queries, int count, bool perSubject) =>
        new(queries, Math.Min(count, Math.Max(Count, 1)), perSubject ? _subjects.Count : -1);

    /// <summary>
    /// Dot products of <paramref name="rows"/> consecutive vectors with one query. Four rows at a time share each query
    /// load, so the loop is bound by streaming the rows, which is the point of storing them in 16 bits.
    /// </summary>
    private void ScoreRows(ReadOnlySpan<short> block, int rows, ReadOnlySpan<short> query, Span<int> scores)
    {
        var dimension = Dimension;
        var r = 0;
        if (Avx512BW.IsSupported && dimension % 32 == 0)
        {
            ref var q0 = ref MemoryMarshal.GetReference(query);
            ref var b0 = ref MemoryMarshal.GetReference(block);
            var stride = (nuint)dimension;
            for (; r + 4 <= rows; r += 4)
            {
                var a0 = Vector512<int>.Zero;
                var a1 = Vector512<int>.Zero;
                var a2 = Vector512<int>.Zero;
                var a3 = Vector512<int>.Zero;
                var row0 = (nuint)r * stride;
                for (nuint i = 0; i < stride; i += 32)
                {
                    var q = Vector512.LoadUnsafe(ref q0, i);
                    a0 = Avx512BW.Add(a0, Avx512BW.MultiplyAddAdjacent(Vector512.LoadUnsafe(ref b0, row0 + i), q));
                    a1 = Avx512BW.Add(a1, Avx512BW.MultiplyAddAdjacent(Vector512.LoadUnsafe(ref b0, row0 + stride + i), q));
                    a2 = Avx512BW.Add(a2, Avx512BW.MultiplyAddAdjacent(Vector512.LoadUnsafe(ref b0, row0 + (2 * stride) + i), q));
                    a3 = Avx512BW.Add(a3, Avx512BW.MultiplyAddAdjacent(Vector512.LoadUnsafe(ref b0, row0 + (3 * stride) + i), q));
                }

                scores[r] = Vector512.Sum(a0);
                scores[r + 1] = Vector512.Sum(a1);
                scores[r + 2] = Vector512.Sum(a2);
                scores[r + 3] = Vector512.Sum(a3);
            }
        }

        for (; r < rows; r++)
        {
            scores[r] = Dot(block.Slice(r * dimension, dimension), query);
        }
    }

    /// <summary>
    /// One search shared with <see cref="ScanHelpers"/>: every participant claims whole chunks (<see cref="ChunkRows"/>
    /// rows, scanned block by block) until none is left, into its own <see cref="Selection"/>. Claims are chunks, not
    /// 512-row blocks: with two threads interleaving 512-row blocks a 10k search was slower than on one thread (0.17 vs
    /// 0.15 ms), with 4096-row claims it is 0.11 ms (docs/performance.md) — each thread streams long contiguous runs.
    /// The caller then waits only for helpers that are inside a claim, so a helper that wakes after the last claim
    /// touches nothing of the index.
    /// </summary>
    private sealed class BlockScan(EmbeddingIndex index, short[][] queries, int count, bool perSubject) : IScanJob
    {
        private readonly int _claims = (index.Count + ChunkRows - 1) / ChunkRows;
        private readonly List<Selection> _helperSelections = [];
        private int _nextClaim = -1;
        private int _activeHelpers;

        /// <summary>Claims and scans chunks until none is left; null when this participant got none.</summary>
        public Selection? ScanClaimedBlocks()
        {
            Selection? selection = null;
            int claim;
            while ((claim = Interlocked.Increment(ref _nextClaim)) < _claims)
            {
                selection ??= index.NewSelection(queries.Length, count, perSubject);
                var from = claim * ChunkRows;
                index.Scan(from, Math.Min(from + ChunkRows, index.Count), queries, selection);
            }

            return selection;
        }

        public void Help()
        {
            Interlocked.Increment(ref _activeHelpers);
            try
            {
                if (ScanClaimedBlocks() is { } selection)
                {
                    lock (_helperSelections)
                    {
                        _helperSelections.Add(selection);
                    }
                }
            }
            finally
            {
                Interlocked.Decrement(ref _activeHelpers);
            }
        }

        /// <summary>After the caller's own claims: waits for helpers still on a block and returns every selection.</summary>
        public Selection[] Finish(Selection? own)
        {
            // A helper inside a claim has at most one block (~5 µs) left; spinning beats blocking here.
            var spinner = default(SpinWait);
            while (Volatile.Read(ref _activeHelpers) > 0)
            {
                spinner.SpinOnce(sleep1Threshold: -1);
            }

            lock (_helperSelections)
            {
                return own is null ? [.. _helperSelections] : [own, .. _helperSelections];
            }
        }
    }

    /// <summary>What one scan of a row range keeps: the best rows per query, or the best row of each subject.</summary>
    private sealed class Selection
    {
        public Selection(int queries, int count, int subjects)
        {
            Selectors = new TopK[queries];
            if (subjects >= 0)
            {
                BestPerSubject = new int[queries][];
                for (var q = 0; q < queries; q++)
                {
                    BestPerSubject[q] = new int[subjects * 2];
                    BestPerSubject[q].AsSpan().Fill(int.MinValue);
                }
            }
            else
            {
                for (var q = 0; q < queries; q++)
                {
                    Selectors[q] = new TopK(count);
                }
            }
        }

        public TopK[] Selectors { get; }

        public int[][]? BestPerSubject { get; }
    }

    /// <summary>
    /// Integer dot product of two fixed-point vectors: every row where <see cref="ScoreRows"/> has no AVX-512 kernel, and
    /// with it only the zero to three rows a block leaves after its groups of four, which is why 256-bit registers are
    /// all this needs.
    /// </summary>
    internal static int Dot(ReadOnlySpan<short> a, ReadOnlySpan<short> b)
    {
        var length = a.Length;
        ref var pa = ref MemoryMarshal.GetReference(a);
        ref var pb = ref MemoryMarshal.GetReference(b);
        var i = 0;
        var sum = 0;
        if (Avx2.IsSupported && length >= 32)
        {
            var acc0 = Vector256<int>.Zero;
            var acc1 = Vector256<int>.Zero;
            for (; i <= length - 32; i += 32)
            {
                acc0 = Avx2.Add(acc0, Avx2.MultiplyAddAdjacent(Vector256.LoadUnsafe(ref pa, (nuint)i), Vector256.LoadUnsafe(ref pb, (nuint)i)));
                acc1 = Avx2.Add(acc1, Avx2.MultiplyAddAdjacent(Vector256.LoadUnsafe(ref pa, (nuint)(i + 16)), Vector256.LoadUnsafe(ref pb, (nuint)(i + 16))));
            }

            sum = Vector256.Sum(acc0 + acc1);
        }

        for (; i < length; i++)
        {
            sum += Unsafe.Add(ref pa, i) * Unsafe.Add(ref pb, i);
        }

        return sum;
    }

    /// <summary>Fixed-point encoding of a unit vector (components beyond ±0.712 saturate; real embeddings stay far below).</summary>
    internal static void Quantize(ReadOnlySpan<float> source, Span<short> destination)
    {
        for (var i = 0; i < source.Length; i++)
        {
            destination[i] = (short)Math.Clamp(MathF.Round(source[i] * Scale), -short.MaxValue, short.MaxValue);
        }
    }

    private Span<short> RowSpan(int row) =>
        _chunks[row / ChunkRows].AsSpan(row % ChunkRows * Dimension, Dimension);

    private int OrdinalOf(Guid subjectId)
    {
        if (!_subjectOrdinal.TryGetValue(subjectId, out var ordinal))
        {
            ordinal = _subjects.Count;
            _subjects.Add(subjectId);
            _subjectOrdinal.Add(subjectId, ordinal);
        }

        return ordinal;
    }

    private void EnsureCapacity(int rows)
    {
        while (_chunks.Count * ChunkRows < rows)
        {
            _chunks.Add(GC.AllocateUninitializedArray<short>(ChunkRows * Dimension));
        }

        if (_imageIds.Length < rows)
        {
            var size = Math.Max(rows, Math.Max(16, _imageIds.Length * 2));
            Array.Resize(ref _imageIds, size);
            Array.Resize(ref _subjectOfRow, size);
        }
    }

    /// <summary>Keeps the k highest scores in a min-heap; ties keep the earlier row.</summary>
    private sealed class TopK(int capacity)
    {
        private readonly int[] _scores = new int[capacity];
        private readonly int[] _rows = new int[capacity];
        private int _size;

        /// <summary>Whether <paramref name="score"/> could enter (cheap pre-check for the scan loop).</summary>
        public bool Accepts(int score) => _size < _scores.Length || score > _scores[0];

        /// <summary>Offers every kept row to <paramref name="other"/>.</summary>
        public void CopyTo(TopK other)
        {
            for (var i = 0; i < _size; i++)
            {
                other.Offer(_scores[i], _rows[i]);
            }
        }

        public void Offer(int score, int row)
        {
            if (_size < _scores.Length)
            {
                var i = _size++;
                _scores[i] = score;
                _rows[i] = row;
                SiftUp(i);
            }
            else if (score > _scores[0])
            {
                _scores[0] = score;
                _rows[0] = row;
                SiftDown(0);
            }
        }

        public IndexMatch[] Drain(EmbeddingIndex index)
        {
            var order = new int[_size];
            for (var i = 0; i < _size; i++)
            {
                order[i] = i;
            }

            Array.Sort(order, (x, y) => _scores[x] != _scores[y] ? _scores[y].CompareTo(_scores[x]) : _rows[x].CompareTo(_rows[y]));
            var result = new IndexMatch[_size];
            for (var i = 0; i < order.Length; i++)
            {
                var row = _rows[order[i]];
                result[i] = new IndexMatch(
                    index._imageIds[row],
                    index._subjects[index._subjectOfRow[row]],
                    (float)(_scores[order[i]] * InverseScaleSquared));
            }

            return result;
        }

        // Min-heap on score; among equal scores the later row sits nearer the root, so it is evicted first.
        private bool Less(int a, int b) => _scores[a] < _scores[b] || (_scores[a] == _scores[b] && _rows[a] > _rows[b]);

        private void SiftUp(int i)
        {
            while (i > 0)
            {
                var parent = (i - 1) / 2;
                if (!Less(i, parent))
                {
                    break;
                }

                Swap(i, parent);
                i = parent;
            }
        }

        private void SiftDown(int i)
        {
            while (true)
            {
                var left = (2 * i) + 1;
                if (left >= _size)
                {
                    break;
                }

                var child = left + 1 < _size && Less(left + 1, left) ? left + 1 : left;
                if (!Less(child, i))
                {
                    break;
                }

                Swap(i, child);
                i = child;
            }
        }

        private void Swap(int a, int b)
        {
            (_scores[a], _scores[b]) = (_scores[b], _scores[a]);
            (_rows[a], _rows[b]) = (_rows[b], _rows[a]);
        }
    }
}
