using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace CompreFace.Node.Tests;

/// <summary>What one request of the load generator got.</summary>
internal sealed record LoadOutcome(TimeSpan At, string Kind, Uri Node, int Status, string? Body, TimeSpan Latency)
{
    public bool Failed => Status is not (200 or 201);

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{At.TotalSeconds:F2}s {Kind} {Node.Port} → {Status} in {Latency.TotalMilliseconds:F0} ms {Body}");
}

/// <summary>
/// A steady stream of adds (real photos, each under its own subject) and recognitions (a fixed probe photo), from a
/// few concurrent clients, round-robin over the nodes currently in rotation, as a load balancer would send them.
/// Records every outcome and every acknowledged add.
/// </summary>
internal sealed class LoadGenerator : IAsyncDisposable
{
    public const string RecognitionKey = "00000000-0000-0000-0000-000000000002";

    private readonly ConcurrentDictionary<Uri, int> _inFlight = new();
    private readonly ConcurrentDictionary<Uri, bool> _rotation = new();
    private readonly ConcurrentQueue<LoadOutcome> _outcomes = new();
    private readonly ConcurrentDictionary<string, string> _acknowledged = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly IReadOnlyList<byte[]> _addPhotos;
    private readonly byte[] _probe;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(45) };
    private readonly List<Task> _clients = [];
    private readonly TimeSpan _pause;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _next;
    private int _adds;

    public LoadGenerator(IReadOnlyList<byte[]> addPhotos, byte[] probe, TimeSpan pause)
    {
        _addPhotos = addPhotos;
        _probe = probe;
        _pause = pause;
    }

    /// <summary>Time since the generator was made (the clock of <see cref="LoadOutcome.At"/>).</summary>
    public TimeSpan Now => _clock.Elapsed;

    /// <summary>Image id → subject of every add that was answered 201.</summary>
    public IReadOnlyDictionary<string, string> Acknowledged => _acknowledged;

    public List<LoadOutcome> Outcomes => [.. _outcomes];

    public void Add(Uri node)
    {
        _rotation[node] = true;
        Changed();
    }

    /// <summary>Takes a node out of rotation (new requests go elsewhere; requests in flight finish).</summary>
    public void Remove(Uri node) => _rotation.TryRemove(node, out _);

    /// <summary>Waits until no request to <paramref name="node"/> is in flight (a load balancer's drain).</summary>
    public Task DrainAsync(Uri node) =>
        WaitUntilAsync(() => _inFlight.GetValueOrDefault(node) == 0, TimeSpan.FromSeconds(60), $"requests to {node} did not finish");

    /// <summary>Successful answers from <paramref name="node"/> to requests that started at or after <paramref name="since"/>.</summary>
    public int Answered(Uri node, TimeSpan since) => _outcomes.Count(o => o.Node == node && !o.Failed && o.At >= since);

    /// <summary>
    /// A phase barrier: completes as soon as <paramref name="condition"/> holds, checked again whenever a request ends
    /// or the rotation changes (never on a timer); fails with <paramref name="failure"/> if it does not within
    /// <paramref name="limit"/>.
    /// </summary>
    public Task WaitUntilAsync(Func<bool> condition, TimeSpan limit, string failure) => WaitUntilAsync(condition, limit, () => failure);

    /// <inheritdoc cref="WaitUntilAsync(Func{bool}, TimeSpan, string)"/>
    public async Task WaitUntilAsync(Func<bool> condition, TimeSpan limit, Func<string> failure)
    {
        using var timeout = new CancellationTokenSource(limit);
        while (true)
        {
            var changed = Volatile.Read(ref _changed).Task;
            if (condition())
            {
                return;
            }

            try
            {
                await changed.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"{failure()} (within {limit.TotalSeconds:F0} s)");
            }
        }
    }

    /// <summary>Wakes every waiting phase barrier (and idle client) to look again.</summary>
    private void Changed() =>
        Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    public void Start(int clients)
    {
        for (var i = 0; i < clients; i++)
        {
            _clients.Add(Task.Run(() => RunClientAsync(_stop.Token)));
        }
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_clients);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }

        _stop.Dispose();
        _http.Dispose();
    }

    private async Task RunClientAsync(CancellationToken stop)
    {
        var step = 0;
        while (!stop.IsCancellationRequested)
        {
            var nodes = _rotation.Keys.OrderBy(u => u.Port).ToArray();
            if (nodes.Length == 0)
            {
                // No node in rotation: wait for one to be added (or for the stop).
                try
                {
                    await Volatile.Read(ref _changed).Task.WaitAsync(stop);
                }
                catch (OperationCanceledException)
                {
                    // Stopped.
                }

                continue;
            }

            var node = nodes[(int)((uint)Interlocked.Increment(ref _next) % nodes.Length)];
            var add = step++ % 2 == 0;
            _inFlight.AddOrUpdate(node, 1, (_, n) => n + 1);
            var started = _clock.Elapsed;
            try
            {
                if (add)
                {
                    await AddAsync(node, started);
                }
                else
                {
                    await RecognizeAsync(node, started);
                }
            }
            finally
            {
                _inFlight.AddOrUpdate(node, 0, (_, n) => n - 1);
                Changed();
            }

            // The pause sets the load's rate (each client's think time); it waits for nothing.
            try
            {
                await Task.Delay(_pause, stop);
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }
        }
    }

    private async Task AddAsync(Uri node, TimeSpan started)
    {
        var n = Interlocked.Increment(ref _adds);
        var subject = string.Create(CultureInfo.InvariantCulture, $"load-{n}");
        using var request = Upload(node, $"/api/v1/recognition/faces?subject={subject}", _addPhotos[n % _addPhotos.Count]);
        var (status, body) = await SendAsync(request);
        if (status == (int)HttpStatusCode.Created)
        {
            using var json = JsonDocument.Parse(body!);
            _acknowledged[json.RootElement.GetProperty("image_id").GetString()!] = subject;
            body = null;
        }

        _outcomes.Enqueue(new LoadOutcome(started, "add", node, status, body, _clock.Elapsed - started));
    }

    private async Task RecognizeAsync(Uri node, TimeSpan started)
    {
        using var request = Upload(node, "/api/v1/recognition/recognize?prediction_count=1", _probe);
        var (status, body) = await SendAsync(request);
        _outcomes.Enqueue(new LoadOutcome(started, "recognize", node, status, status == 200 ? null : body, _clock.Elapsed - started));
    }

    /// <summary>Status and body; a connection failure is status 0 (the load balancer's 502).</summary>
    private async Task<(int Status, string? Body)> SendAsync(HttpRequestMessage request)
    {
        try
        {
            using var response = await _http.SendAsync(request, CancellationToken.None);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(CancellationToken.None));
        }
        catch (HttpRequestException e)
        {
            return (0, e.Message);
        }
        catch (TaskCanceledException)
        {
            return (-1, "client timeout");
        }
    }

    public static HttpRequestMessage Upload(Uri node, string pathAndQuery, byte[] photo)
    {
        var image = new ByteArrayContent(photo);
        image.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(node, pathAndQuery))
        {
            Content = new MultipartFormDataContent { { image, "file", "photo.jpg" } },
        };
        request.Headers.Add("x-api-key", RecognitionKey);
        return request;
    }
}
