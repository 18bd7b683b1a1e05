namespace Exp22.AppHost.Telemetry.Storage;

/// <summary>A fixed-capacity buffer that drops its oldest item to make room. Not thread-safe.</summary>
internal sealed class RingBuffer<T>(int capacity) where T : class
{
    private readonly T?[] _items = new T?[capacity];
    private int _next;

    public int Count { get; private set; }

    /// <returns>The item pushed out to make room, if any.</returns>
    public T? Add(T item)
    {
        var evicted = _items[_next];
        _items[_next] = item;
        _next = (_next + 1) % _items.Length;
        Count = Math.Min(Count + 1, _items.Length);
        return evicted;
    }

    /// <summary>Newest first.</summary>
    public IEnumerable<T> NewestFirst()
    {
        for (var i = 1; i <= Count; i++)
            yield return _items[(_next - i + _items.Length) % _items.Length]!;
    }
}
