// One browser test at a time: each runs a real node and Chromium, and the face pipeline is CPU-bound.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
