using System.IO.Compression;
using CompreFace.Grains.Interfaces;
using CompreFace.Grains.Interfaces.Jobs;
using CompreFace.Grains.Jobs;
using Microsoft.Playwright;
using static CompreFace.WebUi.Tests.PageChecks;

namespace CompreFace.WebUi.Tests;

/// <summary>
/// Long jobs in the UI (issue P10): bulk enrolment from the collection page with its progress bar and report, the jobs
/// page's cancel, export then import of a collection through the buttons, and a collection's re-embedding progress.
/// Archives are built from the shared photos.
/// </summary>
[Collection(PagesGroup.Name)]
public sealed class JobsPageTests(WebUiNode node)
{
    private const string Dlib = "dlib.Calculator@dlib_resnet128_faceapi";

    [BrowserFact]
    public async Task CollectionPage_BulkEnrolSmallArchive_ProgressReaches100WithTheReport()
    {
        var page = await OwnerPageAsync(node);
        var (appId, serviceId, _) = await CreateServiceAsync(page, "RECOGNITION");
        var archive = WriteZip(
            [.. TestPictures.PersonAPhotos.Select(p => ($"{TestPictures.PersonA}/{Path.GetFileName(p)}", File.ReadAllBytes(p))),
             .. TestPictures.PersonBPhotos.Select(p => ($"{TestPictures.PersonB}/{Path.GetFileName(p)}", File.ReadAllBytes(p))),
             ($"{TestPictures.PersonB}/notes.jpg", "not a picture"u8.ToArray())]);

        await page.GotoAsync($"/#/apps/{appId}/services/{serviceId}");
        await page.SetInputFilesAsync("[data-testid=enrol-file]", archive);

        var result = page.Locator("[data-testid=transfer-result]");
        await result.Locator("[role=progressbar][aria-valuenow='100']").WaitForAsync();
        await Assertions.Expect(result.Locator("[data-testid=job-state]")).ToHaveTextAsync("completed");
        Assert.Contains("4 done, 1 failed of 5", await result.Locator("[data-testid=progress]").InnerTextAsync(), StringComparison.Ordinal);

        // The subjects are listed without leaving the page, and the report names the file that failed.
        // Photos are stored in the order they finish (decision 0036), so the subjects may be created in either order.
        var subjects = page.Locator("[data-testid=subjects] li");
        await Assertions.Expect(subjects).ToHaveCountAsync(2);
        Assert.Equal([TestPictures.PersonA, TestPictures.PersonB], (await subjects.AllInnerTextsAsync()).Order(StringComparer.Ordinal));
        var download = await page.RunAndWaitForDownloadAsync(() => result.Locator("[data-testid=job-report]").ClickAsync());
        var report = await File.ReadAllLinesAsync(await download.PathAsync());
        Assert.Equal("file,subject,outcome,image_id", report[0]);
        Assert.Equal(4, report.Count(l => l.Contains(",enrolled,", StringComparison.Ordinal)));
        Assert.Contains($"{TestPictures.PersonB}/notes.jpg,{TestPictures.PersonB},bad_image,", report);
        File.Delete(archive);
        await ScreenshotAsync(page, "50-bulk-enrolment");

        // The jobs page lists the job, and its failed items on demand.
        var jobId = await result.Locator("[data-testid=job]").GetAttributeAsync("data-job");
        await result.Locator("a", new() { HasText = "All jobs" }).ClickAsync();
        var row = page.Locator($"tr[data-job='{jobId}']");
        await row.Locator("button", new() { HasText = "Problems" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=job-problems]")).ToContainTextAsync($"{TestPictures.PersonB}/notes.jpg: bad_image");
        AssertNoScriptErrors(page);
    }

    [BrowserFact]
    public async Task JobsPage_CancelRunningBulkEnrolment_JobStopsCancelled()
    {
        var page = await OwnerPageAsync(node);
        var (appId, serviceId, _) = await CreateServiceAsync(page, "RECOGNITION");

        // Many photos, each under its own subject (so each is analysed), uploaded through the API: the job runs long
        // enough to be cancelled while it runs.
        var photos = Directory.GetFiles(Path.Combine(SharedData.DataDirectory, "deepface"), "img*.jpg")
            .Where(p => new FileInfo(p).Length < 80_000).Order(StringComparer.Ordinal).ToArray();
        var archive = WriteZip([.. Enumerable.Range(0, 20).SelectMany(copy => photos.Select(p => ($"Person {copy:D2} {Path.GetFileNameWithoutExtension(p)}/{Path.GetFileName(p)}", File.ReadAllBytes(p))))]);
        var upload = await page.Context.APIRequest.PostAsync($"/admin/app/{appId}/model/{serviceId}/enrol?name=crowd.zip", new()
        {
            Headers = new Dictionary<string, string> { ["Content-Type"] = "application/zip" },
            DataByte = await File.ReadAllBytesAsync(archive),
        });
        Assert.True(upload.Status == 202, $"enrol: {upload.Status} {await upload.TextAsync()}");
        var jobId = (await upload.JsonAsync())!.Value.GetProperty("jobId").GetString()!;
        File.Delete(archive);

        await page.ClickAsync("nav >> text=Jobs");
        var row = page.Locator($"tr[data-job='{jobId}']");
        await row.Locator("[data-testid=job-state]", new() { HasText = "running" }).WaitForAsync();
        Assert.Contains("crowd.zip", await row.InnerTextAsync(), StringComparison.Ordinal);
        AnswerDialogs(page);
        await row.Locator("button", new() { HasText = "Cancel" }).ClickAsync();

        // The list follows the job to its end by itself.
        await row.Locator("[data-testid=job-state]", new() { HasText = "cancelled" }).WaitForAsync();
        var job = await JsonAsync(await page.Context.APIRequest.GetAsync($"/admin/jobs/{jobId}"));
        Assert.Equal("cancelled", job.GetProperty("state").GetString());
        Assert.True(job.GetProperty("done").GetInt64() + job.GetProperty("failed").GetInt64() < job.GetProperty("total").GetInt64());
        Assert.Equal(0, await row.Locator("button", new() { HasText = "Cancel" }).CountAsync());
        await ScreenshotAsync(page, "51-jobs");
        await page.SetViewportSizeAsync(390, 844);
        await AssertNoHorizontalOverflowAsync(page, "jobs page at phone width");
        await ScreenshotAsync(page, "51-jobs-phone");
        AssertNoScriptErrors(page);
    }

    [BrowserFact]
    public async Task CollectionPage_ExportThenImportIntoAnotherService_SubjectListsMatch()
    {
        var page = await OwnerPageAsync(node);
        var (appId, serviceId, apiKey) = await CreateServiceAsync(page, "RECOGNITION");
        await AddExampleAsync(page, apiKey, TestPictures.PersonA, TestPictures.PersonAPhotos[0]);
        await AddExampleAsync(page, apiKey, TestPictures.PersonB, TestPictures.PersonBPhotos[0]);

        await page.GotoAsync($"/#/apps/{appId}/services/{serviceId}");
        var subjects = page.Locator("[data-testid=subjects] li");
        await Assertions.Expect(subjects).ToHaveCountAsync(2);
        var exported = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("[data-testid=transfer] button:has-text('Export')"));
        var archive = Path.Combine(Path.GetTempPath(), $"cf-export-{Guid.NewGuid():N}.tar");
        await exported.SaveAsAsync(archive);

        var (otherApp, otherService, _) = await CreateServiceAsync(page, "RECOGNITION");
        await page.GotoAsync($"/#/apps/{otherApp}/services/{otherService}");
        var result = page.Locator("[data-testid=transfer-result]");

        // A file that is no archive: CompreFace's message and code, as every error of the UI.
        var notArchive = Path.Combine(Path.GetTempPath(), $"cf-not-an-archive-{Guid.NewGuid():N}.tar");
        await File.WriteAllTextAsync(notArchive, "hello");
        await page.SetInputFilesAsync("[data-testid=import-file]", notArchive);
        await Assertions.Expect(result.Locator("[role=alert]")).ToContainTextAsync("code 26");

        await page.SetInputFilesAsync("[data-testid=import-file]", archive);
        await Assertions.Expect(result).ToContainTextAsync("Imported: 2 new subject(s), 2 face(s) added");
        await Assertions.Expect(subjects).ToHaveTextAsync([TestPictures.PersonA, TestPictures.PersonB]);
        await Assertions.Expect(page.Locator("p.muted", new() { HasText = "API key" })).ToContainTextAsync("2 subjects, 2 stored pictures");
        File.Delete(archive);
        File.Delete(notArchive);
        await ScreenshotAsync(page, "52-import");
        AssertNoScriptErrors(page);
    }

    [BrowserFact]
    public async Task CollectionPage_ReembeddingRuns_ShowsItsProgressUntilItSwitches()
    {
        var page = await OwnerPageAsync(node);
        var (appId, serviceId, _) = await CreateServiceAsync(page, "RECOGNITION");

        // A real re-embedding needs faces of a second model and a node restart (Node.Tests ReembeddingTests); here the
        // test is the job's worker and reports through the job grain, as ReembedGrain does.
        var job = node.Grains.GetGrain<IJobGrain>(Guid.NewGuid());
        await job.CreateAsync(new JobSpec(JobKinds.Reembed, Guid.Parse(serviceId), Guid.Parse(appId), 8, "api", ReembedModels.Format("dlib", "mobilefacenet")));
        await job.StartAsync();
        await job.ReportAsync(new JobProgress(3, 1));

        await page.GotoAsync($"/#/apps/{appId}/services/{serviceId}");
        var migration = page.Locator("[data-testid=migration]");
        await migration.Locator("[role=progressbar][aria-valuenow='50']").WaitForAsync();
        await Assertions.Expect(migration).ToContainTextAsync("Re-embedding dlib → mobilefacenet");
        await Assertions.Expect(migration).ToContainTextAsync("3 done, 1 failed of 8");
        await ScreenshotAsync(page, "53-reembedding");

        await job.ReportAsync(new JobProgress(7, 1));
        await job.FinishAsync(JobState.Completed, null);
        await migration.Locator("[role=progressbar][aria-valuenow='100']").WaitForAsync();
        await Assertions.Expect(migration.Locator(".badge")).ToHaveTextAsync("completed");
        AssertNoScriptErrors(page);
    }

    [BrowserFact]
    public async Task JobsPage_ReembedNowWithFacesOfAnotherModel_ReembedsThemAndRecognitionFindsThem()
    {
        var page = await OwnerPageAsync(node);
        var (appId, serviceId, apiKey) = await CreateServiceAsync(page, "RECOGNITION");

        // Two people stored as a node configured with dlib stored them: vectors of the real dlib model, with their photos.
        // This node serves MobileFaceNet, so recognition does not match them until they are re-embedded.
        var collection = node.Grains.GetGrain<IFaceCollectionGrain>(Guid.Parse(serviceId));
        var held = await File.ReadAllBytesAsync(TestPictures.PersonAPhotos[0]);
        foreach (var (subject, photo) in new[] { (TestPictures.PersonA, TestPictures.PersonAPhotos[0]), (TestPictures.PersonB, TestPictures.PersonBPhotos[0]) })
        {
            var image = await File.ReadAllBytesAsync(photo);
            var analysis = await node.Grains.GetGrain<IFaceAnalyzerGrain>(0).AnalyzeAsync(
                new FaceAnalysisRequest { Image = image, Limit = 1, ComputeEmbeddings = true, Embedder = Dlib });
            Assert.Equal(Dlib, analysis.Calculator?.Version);
            await collection.AddFaceAsync(new AddFaceCommand { Subject = subject, Embedding = analysis.Faces[0].Embedding!, Calculator = Dlib, Image = image });
        }

        Assert.Empty(await RecognizedSubjectsAsync(page, apiKey, TestPictures.PersonAOther));

        // The page's timers run on Playwright's clock, so the test decides when the list's next refresh may come; the
        // re-embedding's analysis of the first photo waits at the gate, so the job is still running when the list shows it.
        await page.Clock.InstallAsync();
        await page.ClickAsync("nav >> text=Jobs");
        var card = page.Locator("[data-testid=model-status]");
        await Assertions.Expect(card).ToContainTextAsync("computed by another model");
        await page.Clock.PauseAtAsync(DateTime.Now.AddSeconds(1));
        node.Analyses.Hold(held);
        await card.Locator("button", new() { HasText = "Re-embed now" }).ClickAsync();

        // The button started a real re-embedding of this collection: the list shows it at once and, while it runs,
        // follows it at a running job's pace (1.5 s), not the 10 s it waits between refreshes while nothing runs.
        var row = page.Locator($"tr[data-testid=job]:has(a[href='#/apps/{appId}/services/{serviceId}'])");
        await Assertions.Expect(row).ToContainTextAsync("Re-embedding");
        var nextRefresh = page.WaitForRequestAsync(r => r.Url.Contains("/admin/jobs?", StringComparison.Ordinal), new() { Timeout = 10_000 });
        await page.Clock.RunForAsync(2_000);
        await nextRefresh;
        node.Analyses.Release(held);
        await page.Clock.ResumeAsync();
        await row.Locator("[data-testid=job-state]", new() { HasText = "completed" }).WaitForAsync();
        await row.Locator("[role=progressbar][aria-valuenow='100']").WaitForAsync();
        await page.ReloadAsync();
        await Assertions.Expect(card).ToContainTextAsync("Every stored face was computed by this node's model.");

        // After the switch recognition answers from the new vectors: another photo of each person finds them.
        Assert.Equal([TestPictures.PersonA], await RecognizedSubjectsAsync(page, apiKey, TestPictures.PersonAOther));
        Assert.Equal([TestPictures.PersonB], await RecognizedSubjectsAsync(page, apiKey, TestPictures.PersonBOther));
        AssertNoScriptErrors(page);
    }

    [BrowserFact]
    public async Task JobsPage_UserWhoManagesNoService_SeesNoJobsAndNoModelCard()
    {
        // Someone else's job exists.
        var owner = await OwnerPageAsync(node);
        var (appId, serviceId, _) = await CreateServiceAsync(owner, "RECOGNITION");
        await node.Grains.GetGrain<IJobGrain>(Guid.NewGuid()).CreateAsync(new JobSpec(JobKinds.Export, Guid.Parse(serviceId), Guid.Parse(appId), 0, OwnerEmail, "not for others"));
        await owner.Context.CloseAsync();

        var page = await node.NewPageAsync();
        await LogInAsync(page, await RegisterUserAsync(node), UserPassword);
        await page.ClickAsync("nav >> text=Jobs");
        await page.Locator(".empty", new() { HasText = "No jobs yet" }).WaitForAsync();
        Assert.Equal(0, await page.Locator("[data-testid=model-status]").CountAsync());
        Assert.Equal(0, await page.Locator("text=not for others").CountAsync());
        AssertNoScriptErrors(page);
    }

    /// <summary>A zip of the given entries, stored as they are, in a temporary file.</summary>
    private static string WriteZip(IEnumerable<(string Entry, byte[] Content)> entries)
    {
        var path = Path.Combine(Path.GetTempPath(), $"cf-enrol-{Guid.NewGuid():N}.zip");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            foreach (var (entry, content) in entries)
            {
                using var stream = zip.CreateEntry(entry, CompressionLevel.NoCompression).Open();
                stream.Write(content);
            }
        }

        return path;
    }

    /// <summary>The subjects that recognition names (similarity at least 0.6) for the first face of <paramref name="photo"/>.</summary>
    private static async Task<string[]> RecognizedSubjectsAsync(IPage page, string apiKey, string photo)
    {
        var answer = await JsonAsync(await PostPhotoAsync(page, apiKey, "/api/v1/recognition/recognize?limit=1", photo));
        return [.. answer.GetProperty("result")[0].GetProperty("subjects").EnumerateArray()
            .Where(s => s.GetProperty("similarity").GetDouble() >= 0.6).Select(s => s.GetProperty("subject").GetString()!)];
    }
}
