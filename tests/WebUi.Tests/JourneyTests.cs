using Microsoft.Playwright;
using static CompreFace.WebUi.Tests.PageChecks;

namespace CompreFace.WebUi.Tests;

/// <summary>The whole first-use journey in a real browser, on a node where nobody has signed up yet.</summary>
[Collection(JourneyGroup.Name)]
public sealed class JourneyTests(WebUiNode node)
{
    private const string Email = "first@example.com";
    private const string Password = "journey-password-1";

    [BrowserFact]
    public async Task Journey_SignUpToRecognition_NamesEachFaceOverTheRightPerson()
    {
        var page = await node.NewPageAsync();

        // Not logged in: "/" lands on the login form.
        await page.GotoAsync("/");
        await page.WaitForURLAsync("**/#/login");
        await ScreenshotAsync(page, "01-login");

        // Sign up: the first account takes over the demo owner and is logged in straight away.
        await page.ClickAsync("text=Sign up");
        await page.FillAsync("input[name=firstName]", "Fay");
        await page.FillAsync("input[name=lastName]", "First");
        await page.FillAsync("input[name=email]", Email);
        await page.FillAsync("input[name=password]", Password);
        await ScreenshotAsync(page, "02-signup");
        await page.ClickAsync("form button[type=submit]");
        await page.WaitForURLAsync("**/#/apps");
        await page.Locator("h1", new() { HasText = "Applications" }).WaitForAsync();

        // Log out, fail once with a wrong password (a clear message), then log in.
        await page.ClickAsync("nav >> text=Log out");
        await page.WaitForURLAsync("**/#/login");
        await page.FillAsync("input[name=email]", Email);
        await page.FillAsync("input[name=password]", "wrong-password");
        await page.ClickAsync("form button[type=submit]");
        Assert.Contains("Incorrect email or password", await page.Locator("[role=alert]").First.InnerTextAsync(), StringComparison.Ordinal);
        await LogInAsync(page, Email, Password);
        await ScreenshotAsync(page, "03-applications");

        // Create an application: its services list starts with an empty state saying what to do.
        await page.FillAsync("input[name=appName]", "Front door");
        await page.ClickAsync("text=Create application");
        await page.WaitForURLAsync("**/#/apps/*");
        await page.Locator(".empty", new() { HasText = "No services yet" }).WaitForAsync();

        // Create a recognition service.
        await page.FillAsync("input[name=serviceName]", "Residents");
        await page.SelectOptionAsync("select[name=serviceType]", "RECOGNITION");
        await page.ClickAsync("text=Create service");
        var row = page.Locator("tr[data-service='Residents']");
        await row.WaitForAsync();
        Assert.Contains("RECOGNITION", await row.InnerTextAsync(), StringComparison.Ordinal);
        await ScreenshotAsync(page, "04-services");

        // Its collection: empty, then two people with two photos each.
        await row.Locator("a", new() { HasText = "Residents" }).ClickAsync();
        await page.Locator(".empty", new() { HasText = "This collection is empty" }).WaitForAsync();
        await AddPersonAsync(page, TestPictures.PersonA, TestPictures.PersonAPhotos);
        await AddPersonAsync(page, TestPictures.PersonB, TestPictures.PersonBPhotos);
        Assert.Equal([TestPictures.PersonA, TestPictures.PersonB], await page.Locator("[data-testid=subjects] a").AllInnerTextsAsync());
        await ScreenshotAsync(page, "05-collection");

        // TEST page: a picture of both (A left, B right, neither photo enrolled) gets each name over that person.
        await page.ClickAsync("text=Test recognition");
        await page.WaitForURLAsync("**/test");
        await page.SetInputFilesAsync("[data-testid=test-file]", node.Pictures.Composite);
        await page.Locator("text=2 face(s) found.").WaitForAsync();
        var faces = await DrawnFacesAsync(page);
        await ScreenshotAsync(page, "06-test-recognition");

        var split = (double)node.Pictures.CompositeSplitX / node.Pictures.CompositeWidth;
        Assert.Equal(2, faces.Count);
        var a = Assert.Single(faces, f => f.Label.StartsWith(TestPictures.PersonA, StringComparison.Ordinal));
        var b = Assert.Single(faces, f => f.Label.StartsWith(TestPictures.PersonB, StringComparison.Ordinal));
        Assert.InRange(a.CenterX, 0, split);
        Assert.InRange(b.CenterX, split, 1);
        Assert.Contains("similarity", a.Label, StringComparison.Ordinal);
        Assert.Contains($"\"subject\": \"{TestPictures.PersonA}\"", await page.Locator("[data-testid=json]").InnerTextAsync(), StringComparison.Ordinal);

        // The drawn labels scale with the picture: at phone width they still sit on the faces, and nothing overflows.
        await page.SetViewportSizeAsync(390, 844);
        await AssertNoHorizontalOverflowAsync(page, "test page with results at 390×844");
        var narrow = await DrawnFacesAsync(page);
        Assert.InRange(Assert.Single(narrow, f => f.Label.StartsWith(TestPictures.PersonA, StringComparison.Ordinal)).CenterX, 0, split);
        await ScreenshotAsync(page, "06-test-recognition-phone");

        // No page breaks at 1280×800 or at phone width.
        var testPage = page.Url;
        var appPage = testPage[..testPage.IndexOf("/services/", StringComparison.Ordinal)];
        foreach (var (width, height, suffix) in new[] { (1280, 800, "desktop"), (390, 844, "phone") })
        {
            await page.SetViewportSizeAsync(width, height);
            foreach (var (url, name) in new[] { (testPage, "test"), (testPage[..^"/test".Length], "collection"), (appPage, "services"), (appPage + "/members", "members"), (page.Url[..page.Url.IndexOf('#', StringComparison.Ordinal)] + "#/apps", "apps") })
            {
                await page.GotoAsync(url);
                await page.Locator("h1").First.WaitForAsync();
                await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
                await AssertNoHorizontalOverflowAsync(page, $"{name} at {width}×{height}");
                if (suffix == "phone")
                {
                    await ScreenshotAsync(page, $"07-{name}-phone");
                }
            }
        }

        AssertNoScriptErrors(page);
    }

    private static async Task AddPersonAsync(IPage page, string name, IReadOnlyList<string> photos)
    {
        await page.FillAsync("input[name=subjectName]", name);
        await page.ClickAsync("text=Add subject");
        await page.Locator(".empty", new() { HasText = "No photos yet" }).WaitForAsync();
        var urls = new List<string>();
        void Record(object? sender, Microsoft.Playwright.IRequest request) => urls.Add(request.Url);
        page.Request += Record;
        await page.SetInputFilesAsync("[data-testid=example-upload]", photos);
        await page.Locator("[data-testid=example]").Nth(photos.Count - 1).WaitForAsync();
        Assert.Equal(photos.Count, await page.Locator("[data-testid=example]").CountAsync());

        // The thumbnails are the stored photos, fetched with the key in a header and shown from blob URLs: no API key
        // in any URL the UI builds (P7).
        await page.WaitForFunctionAsync(
            "n => { const imgs = [...document.querySelectorAll('[data-testid=example] img')]; " +
            "return imgs.length === n && imgs.every(i => i.complete && i.naturalWidth > 0 && i.currentSrc.startsWith('blob:')); }",
            photos.Count);
        page.Request -= Record;
        Assert.Contains(urls, u => u.Contains("/img", StringComparison.Ordinal));
        Assert.DoesNotContain(urls, u => u.Contains("/api/v1/static/", StringComparison.Ordinal));
    }
}
