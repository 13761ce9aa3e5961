namespace CompreFace.ModelConverter;

/// <summary>A dense float32 array with its shape (row-major), enough to rearrange weights before they are written.</summary>
internal sealed class Tensor
{
    public Tensor(float[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(shape);
        if (data.Length != shape.Aggregate(1, (a, b) => a * b))
        {
            throw new ArgumentException($"{data.Length} values do not fill shape [{string.Join(',', shape)}].", nameof(shape));
        }

        Data = data;
        Shape = shape;
    }

    public float[] Data { get; }

    public int[] Shape { get; }

    /// <summary>numpy's <c>transpose(axes)</c>: output axis i is input axis <c>axes[i]</c>.</summary>
    public Tensor Transpose(params int[] axes)
    {
        var rank = Shape.Length;
        if (axes.Length != rank)
        {
            throw new ArgumentException("One axis per dimension.", nameof(axes));
        }

        var outShape = axes.Select(a => Shape[a]).ToArray();
        var inStrides = Strides(Shape);
        var strides = axes.Select(a => inStrides[a]).ToArray();
        var result = new float[Data.Length];
        var index = new int[rank];
        for (var o = 0; o < result.Length; o++)
        {
            var source = 0;
            for (var d = 0; d < rank; d++)
            {
                source += index[d] * strides[d];
            }

            result[o] = Data[source];
            for (var d = rank - 1; d >= 0; d--)
            {
                if (++index[d] < outShape[d])
                {
                    break;
                }

                index[d] = 0;
            }
        }

        return new Tensor(result, outShape);
    }

    public Tensor Reshape(params int[] shape) => new(Data, shape);

    private static int[] Strides(int[] shape)
    {
        var strides = new int[shape.Length];
        var stride = 1;
        for (var d = shape.Length - 1; d >= 0; d--)
        {
            strides[d] = stride;
            stride *= shape[d];
        }

        return strides;
    }
}
