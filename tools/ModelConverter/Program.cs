using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using CompreFace.ModelConverter;

// Usage: ModelConverter UPSTREAM_DIR OUT_DIR [file name ...]
// Converts the models with no ONNX upstream from their upstream files (UPSTREAM_DIR laid out as Converters describes) into
// OUT_DIR; with no names, all of them. Each file is written beside its target and renamed into place, so an interrupted
// run leaves no partial model. Prints one line per model: name, size, sha256, time.
if (args.Length < 2)
{
    await Console.Error.WriteLineAsync("usage: ModelConverter UPSTREAM_DIR OUT_DIR [" + string.Join(" | ", Converters.All.Select(m => m.FileName)) + " ...]");
    return 2;
}

var upstream = args[0];
var output = args[1];
var selected = args.Length > 2
    ? [.. args.Skip(2).Select(n => Converters.All.FirstOrDefault(m => m.FileName == n) ?? throw new ArgumentException($"Unknown model '{n}'."))]
    : Converters.All;
Directory.CreateDirectory(output);
foreach (var model in selected)
{
    var missing = model.Inputs.Where(i => !File.Exists(Path.Combine(upstream, i))).ToList();
    if (missing.Count > 0)
    {
        await Console.Error.WriteLineAsync($"{model.FileName}: missing upstream file(s) in {upstream}: {string.Join(", ", missing)}");
        return 1;
    }

    var watch = Stopwatch.StartNew();
    byte[] bytes;
    try
    {
        bytes = model.Convert(upstream);
    }
    catch (InvalidDataException ex)
    {
        await Console.Error.WriteLineAsync($"{model.FileName}: {ex.Message}");
        return 1;
    }

    var target = Path.Combine(output, model.FileName);
    var temporary = Path.Combine(output, $".{model.FileName}.{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}.tmp");
    try
    {
        await File.WriteAllBytesAsync(temporary, bytes);
        File.Move(temporary, target, overwrite: true);
    }
    finally
    {
        File.Delete(temporary);
    }

    Console.WriteLine(string.Create(
        CultureInfo.InvariantCulture,
        $"converted {model.FileName} {bytes.Length} bytes sha256 {Convert.ToHexStringLower(SHA256.HashData(bytes))} in {watch.ElapsedMilliseconds} ms"));
}

return 0;
