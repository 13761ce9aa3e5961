using CompreFace.Grains.Collections;

namespace CompreFace.Grains.Tests;

public sealed class EmbeddingIndexTests
{
    private static float[] RandomUnit(Random random, int dimension)
    {
        var v = new float[dimension];
        double norm = 0;
        for (var i = 0; i < dimension; i++)
        {
            // Sum of uniforms: roughly Gaussian, so directions are roughly uniform on the sphere.
            v[i] = (float)(random.NextDouble() + random.NextDouble() + random.NextDouble() - 1.5);
            norm += v[i] * v[i];
        }

        var inv = (float)(1 / Math.Sqrt(norm));
        for (var i = 0; i < dimension; i++)
        {
            v[i] *= inv;
        }

        return v;
    }

    private static double ExactDot(float[] a, float[] b)
    {
        double s = 0;
        for (var i = 0; i < a.Length; i++)
        {
            s += (double)a[i] * b[i];
        }

        return s;
    }

    [Theory]
    [InlineData(512)]
    [InlineData(128)]
    [InlineData(100)]
    public void Search_RandomVectors_MatchesExactFloat32Ranking(int dimension)
    {
        var random = new Random(1234);
        var index = new EmbeddingIndex(dimension);
        var vectors = new List<(Guid Id, float[] V)>();
        for (var i = 0; i < 5000; i++)
        {
            var v = RandomUnit(random, dimension);
            var id = Guid.NewGuid();
            vectors.Add((id, v));
            index.Add(id, Guid.NewGuid(), v);
        }

        // Queries near stored vectors (like a second photo of an enrolled person) and random ones.
        var queries = Enumerable.Range(0, 20).Select(i =>
        {
            var q = RandomUnit(random, dimension);
            if (i % 2 == 0)
            {
                var target = vectors[random.Next(vectors.Count)].V;
                for (var j = 0; j < dimension; j++)
                {
                    q[j] = target[j] + (0.05f * q[j]);
                }
            }

            return FaceSimilarityUnit(q);
        }).ToArray();

        var results = index.Search(queries, 5, perSubject: false);

        for (var q = 0; q < queries.Length; q++)
        {
            var exact = vectors.Select(v => (v.Id, Score: ExactDot(v.V, queries[q]))).OrderByDescending(x => x.Score).Take(5).ToArray();
            Assert.Equal(5, results[q].Length);
            Assert.Equal(exact[0].Id, results[q][0].ImageId);
            for (var k = 0; k < 5; k++)
            {
                Assert.Equal(exact[k].Score, results[q][k].Cosine, 1e-3);
            }

            Assert.True(results[q].Zip(results[q].Skip(1)).All(p => p.First.Cosine >= p.Second.Cosine));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Search_LargeIndexScannedInParallel_MatchesExactRanking(bool perSubject)
    {
        var random = new Random(99);
        const int dimension = 64;
        var index = new EmbeddingIndex(dimension);
        var subjects = Enumerable.Range(0, 300).Select(_ => Guid.NewGuid()).ToArray();
        var rows = new List<(Guid Id, Guid Subject, float[] V)>();
        for (var i = 0; i < 40_000; i++)
        {
            var row = (Guid.NewGuid(), subjects[i % subjects.Length], RandomUnit(random, dimension));
            rows.Add(row);
            index.Add(row.Item1, row.Item2, row.Item3);
        }

        var queries = Enumerable.Range(0, 3).Select(_ => RandomUnit(random, dimension)).ToArray();
        var results = index.Search(queries, 10, perSubject);

        for (var q = 0; q < queries.Length; q++)
        {
            var scored = rows.Select(r => (r.Id, r.Subject, Score: ExactDot(r.V, queries[q])));
            var expected = perSubject
                ? scored.GroupBy(x => x.Subject).Select(g => g.MaxBy(x => x.Score)).OrderByDescending(x => x.Score).Take(10).ToArray()
                : scored.OrderByDescending(x => x.Score).Take(10).ToArray();
            Assert.Equal(expected[0].Id, results[q][0].ImageId);
            Assert.Equal(expected.Select(e => e.Score), results[q].Select(r => (double)r.Cosine), new ToleranceComparer(1e-3));
            if (perSubject)
            {
                Assert.Equal(10, results[q].Select(r => r.SubjectId).Distinct().Count());
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Search_ConcurrentSearchesSharingHelperThreads_AreDeterministicAndKeepTheEarlierRowOnTies(bool perSubject)
    {
        // Big enough for the scan helpers to join; many concurrent callers race for them, so blocks end up split
        // differently on every call, which must not change any answer.
        var random = new Random(7);
        const int dimension = 128;
        var index = new EmbeddingIndex(dimension);
        var ids = new List<Guid>();
        var vectors = new List<float[]>();
        var subjects = Enumerable.Range(0, 64).Select(_ => Guid.NewGuid()).ToArray();
        for (var i = 0; i < 12_000; i++)
        {
            // Some rows repeat the row 4096 earlier: equal scores in chunks that different threads claim, and the earlier
            // row must win. Subjects repeat every 64 rows, so a copy also shares its subject (the per-subject merge).
            var v = i >= 4096 && i % 1000 == 3 ? vectors[i - 4096] : RandomUnit(random, dimension);
            ids.Add(Guid.NewGuid());
            vectors.Add(v);
            index.Add(ids[^1], subjects[i % subjects.Length], v);
        }

        var tied = Enumerable.Range(0, 12_000).Where(i => i < 12_000 - 4096 && vectors[i + 4096] == vectors[i]).ToArray();
        Assert.NotEmpty(tied);
        var queries = tied.Select(i => vectors[i]).ToArray();
        var reference = index.Search(queries, 5, perSubject);
        for (var q = 0; q < queries.Length; q++)
        {
            Assert.Equal(ids[tied[q]], reference[q][0].ImageId);
        }

        var disagreements = 0;
        Parallel.For(0, 8, _ =>
        {
            for (var round = 0; round < 40; round++)
            {
                var results = index.Search(queries, 5, perSubject);
                for (var q = 0; q < queries.Length; q++)
                {
                    if (!results[q].SequenceEqual(reference[q]))
                    {
                        Interlocked.Increment(ref disagreements);
                    }
                }
            }
        });

        Assert.Equal(0, disagreements);
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }

    [Fact]
    public void Remove_MiddleRow_IsNoLongerFoundAndOthersStay()
    {
        var random = new Random(7);
        var index = new EmbeddingIndex(64);
        var ids = Enumerable.Range(0, 10).Select(_ => Guid.NewGuid()).ToArray();
        var vectors = ids.Select(_ => RandomUnit(random, 64)).ToArray();
        for (var i = 0; i < ids.Length; i++)
        {
            index.Add(ids[i], Guid.NewGuid(), vectors[i]);
        }

        Assert.True(index.Remove(ids[3]));
        Assert.False(index.Remove(ids[3]));

        Assert.Equal(9, index.Count);
        Assert.NotEqual(ids[3], index.Search([vectors[3]], 1, false)[0][0].ImageId);
        Assert.Equal(ids[9], index.Search([vectors[9]], 1, false)[0][0].ImageId);
        Assert.Equal(ids[0], index.Search([vectors[0]], 1, false)[0][0].ImageId);
    }

    [Fact]
    public void Search_PerSubject_ReturnsEachSubjectOnceWithItsBestExample()
    {
        var random = new Random(3);
        var index = new EmbeddingIndex(32);
        var query = RandomUnit(random, 32);
        var alice = Guid.NewGuid();
        var bob = Guid.NewGuid();
        var aliceBest = Guid.NewGuid();
        index.Add(aliceBest, alice, query);
        index.Add(Guid.NewGuid(), alice, Blend(query, RandomUnit(random, 32), 0.9f));
        index.Add(Guid.NewGuid(), bob, Blend(query, RandomUnit(random, 32), 0.5f));

        var examples = index.Search([query], 3, perSubject: false)[0];
        var subjects = index.Search([query], 3, perSubject: true)[0];

        Assert.Equal([alice, alice, bob], examples.Select(m => m.SubjectId));
        Assert.Equal([alice, bob], subjects.Select(m => m.SubjectId));
        Assert.Equal(aliceBest, subjects[0].ImageId);
        Assert.Equal(1.0, subjects[0].Cosine, 1e-4);
    }

    [Fact]
    public void ReassignAndRemoveSubject_MoveThenDeleteExamples()
    {
        var random = new Random(5);
        var index = new EmbeddingIndex(16);
        var from = Guid.NewGuid();
        var to = Guid.NewGuid();
        var v = RandomUnit(random, 16);
        index.Add(Guid.NewGuid(), from, v);
        index.Add(Guid.NewGuid(), from, RandomUnit(random, 16));

        index.ReassignSubject(from, to);
        Assert.Equal(to, index.Search([v], 1, false)[0][0].SubjectId);

        Assert.Equal(2, index.RemoveSubject(to));
        Assert.Equal(0, index.Count);
        Assert.Equal(0, index.RemoveSubject(from));
    }

    [Fact]
    public void Add_WrongDimension_Throws()
    {
        var index = new EmbeddingIndex(8);

        Assert.Throws<ArgumentException>(() => index.Add(Guid.NewGuid(), Guid.NewGuid(), new float[9]));
    }

    private static float[] Blend(float[] a, float[] b, float weight) =>
        FaceSimilarityUnit(a.Zip(b, (x, y) => (weight * x) + ((1 - weight) * y)).ToArray());

    private static float[] FaceSimilarityUnit(float[] v) => CompreFace.Grains.Interfaces.Similarity.Normalize(v);
}
