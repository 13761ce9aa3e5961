namespace CompreFace.Grains.Interfaces;

/// <summary>One page of a longer list and how many items the whole list holds (a collection's examples, audit events).</summary>
/// <param name="Items">The page's items, in the list's order.</param>
/// <param name="Total">How many items match in all, over every page.</param>
[GenerateSerializer, Immutable, Alias("CompreFace.Page`1")]
public sealed record Page<T>(IReadOnlyList<T> Items, long Total);
