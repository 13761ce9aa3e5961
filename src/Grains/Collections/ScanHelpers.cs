namespace CompreFace.Grains.Collections;

/// <summary>
/// Work that a searching thread shares with idle helper threads: the caller posts it and starts at once; helpers that
/// wake in time claim parts of it. Implemented by <see cref="EmbeddingIndex"/>'s block scan.
/// </summary>
internal interface IScanJob
{
    /// <summary>Runs on a helper thread: claims and processes parts until none is left.</summary>
    void Help();
}

/// <summary>
/// A few dedicated background threads (one per core beyond the first) that join vector scans. Waking a thread-pool
/// worker through <see cref="Parallel"/> costs tens of microseconds, as much as scanning 10k vectors, so small
/// collections used to stay on one core and lost to numpy, whose OpenBLAS threads stay hot. These helpers spin
/// briefly after each job (so a burst of searches finds them awake) and then sleep. A caller never waits for a helper
/// to start: parts are claimed dynamically, so a late or busy helper only means the caller does more of the work,
/// and on a loaded node where every core is busy the scan simply runs on the calling thread.
/// </summary>
internal static class ScanHelpers
{
    private static readonly Helper[] Helpers = CreateHelpers();

    /// <summary>How many helpers exist (cores − 1, at least 0).</summary>
    public static int Count => Helpers.Length;

    /// <summary>Offers <paramref name="job"/> to every idle helper; returns how many took it.</summary>
    public static int Post(IScanJob job)
    {
        var posted = 0;
        foreach (var helper in Helpers)
        {
            posted += helper.TryPost(job) ? 1 : 0;
        }

        return posted;
    }

    private static Helper[] CreateHelpers()
    {
        var helpers = new Helper[Math.Max(0, Environment.ProcessorCount - 1)];
        for (var i = 0; i < helpers.Length; i++)
        {
            helpers[i] = new Helper(i);
        }

        return helpers;
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "A helper and its semaphore live as long as the process.")]
    private sealed class Helper
    {
        // Spin iterations after a job before sleeping: SpinWait yields the core as it goes, so on a busy node the
        // helper does not steal time from request threads.
        private const int SpinIterations = 40;

        private readonly SemaphoreSlim _signal = new(0);
        private IScanJob? _job;
        private int _sleeping;

        public Helper(int index)
        {
            var thread = new Thread(Run)
            {
                IsBackground = true,
                Name = $"CompreFace scan helper {index}",
            };
            thread.Start();
        }

        /// <summary>Hands over <paramref name="job"/> unless the helper still holds an unstarted one.</summary>
        public bool TryPost(IScanJob job)
        {
            if (Interlocked.CompareExchange(ref _job, job, null) is not null)
            {
                return false;
            }

            if (Volatile.Read(ref _sleeping) != 0)
            {
                _signal.Release();
            }

            return true;
        }

        private void Run()
        {
            while (true)
            {
                var job = Interlocked.Exchange(ref _job, null);
                if (job is not null)
                {
                    job.Help();
                    continue;
                }

                var spinner = default(SpinWait);
                for (var i = 0; i < SpinIterations && Volatile.Read(ref _job) is null; i++)
                {
                    spinner.SpinOnce(sleep1Threshold: -1);
                }

                if (Volatile.Read(ref _job) is not null)
                {
                    continue;
                }

                // Announce sleep (a full fence), then re-check: a post that raced with the announcement either sees the
                // flag and releases, or left its job for the re-check. A spare release only costs one empty loop.
                Interlocked.Exchange(ref _sleeping, 1);
                if (Volatile.Read(ref _job) is null)
                {
                    _signal.Wait();
                }

                Interlocked.Exchange(ref _sleeping, 0);
            }
        }
    }
}
