using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace CompreFace.Inference.Tests;

/// <summary>
/// A node that stops while analyses run disposes its sessions under them. ONNX Runtime frees a disposed session's
/// memory at once, so a run still inside it crashed the whole process (a segfault in libonnxruntime.so took down a CI
/// test host); every run must end normally or be refused, and the process must live.
/// </summary>
public sealed class SessionDisposalTests
{
    [Fact]
    public async Task Detector_DisposedWhileRunsAreInFlight_RunsEndOrAreRefused_LaterRunsAreRefused()
    {
        var provider = InferenceFixture.Build(new Dictionary<string, string?> { ["Models:Path"] = SharedData.ModelsDirectory });
        var detector = provider.GetRequiredService<IFaceDetector>();
        var image = provider.GetRequiredService<IImageDecoder>().Decode(SharedData.Read("compreface-samples/sample_images/000_5.jpg"));
        Assert.NotEmpty(detector.Detect(image, detector.DefaultThreshold));

        using var running = new CountdownEvent(4);
        var loops = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            running.Signal();
            try
            {
                while (true)
                {
                    Assert.NotEmpty(detector.Detect(image, detector.DefaultThreshold));
                }
            }
            catch (ObjectDisposedException)
            {
                // Refused once the session closed.
            }
        })).ToArray();
        running.Wait();

        // Disposed while the four loops are inside Run or between runs.
        await provider.DisposeAsync();

        // Each loop ended by a refusal (any other exception, or a crash, fails the test).
        await Task.WhenAll(loops);
        Assert.Throws<ObjectDisposedException>(() => detector.Detect(image, detector.DefaultThreshold));
    }
}
