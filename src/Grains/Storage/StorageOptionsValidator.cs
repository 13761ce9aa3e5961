using CompreFace.Grains.Interfaces;
using Microsoft.Extensions.Options;

namespace CompreFace.Grains.Storage;

/// <summary>Checks <see cref="StorageOptions"/> at start.</summary>
internal sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            failures.Add($"{StorageOptions.SectionName}:{nameof(StorageOptions.DataDirectory)} must not be empty.");
        }
        else if (options.DataDirectory.AsSpan().IndexOfAny(Path.GetInvalidPathChars()) >= 0)
        {
            failures.Add($"{StorageOptions.SectionName}:{nameof(StorageOptions.DataDirectory)} is not a valid path.");
        }

        if (!Enum.IsDefined(options.SqliteSynchronous))
        {
            failures.Add($"{StorageOptions.SectionName}:{nameof(StorageOptions.SqliteSynchronous)} must be Normal or Full.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
