using System.Runtime.CompilerServices;

// The store contract tests construct the stores directly.
[assembly: InternalsVisibleTo("CompreFace.Store.Tests")]
