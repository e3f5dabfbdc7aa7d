namespace Broker.Queues.Internal;

/// <summary>
/// Where a queue copies the small bodies it is sent: side by side in shared pages instead of one array each. A queue that
/// falls behind keeps its messages past a collection, and the collector moves each surviving object on its own; a page of
/// 64 bodies moves as one block, so a backlog costs the collector about half the objects it would (the message, not the
/// message and its body). Lock-free: a send reserves its bytes with one interlocked add on the current page.
/// <para>
/// A page stays in memory while any message whose body it holds does, so one long-lived message can keep up to
/// <see cref="MaxPageSize"/> bytes alive. Pages start at <see cref="MinPageSize"/> bytes and double as they fill, so a
/// queue sent a few messages holds a few hundred bytes, not a whole page; bodies over <see cref="MaxPooledBody"/>
/// bytes get their own array, as before.
/// </para>
/// </summary>
internal sealed class BodyArena
{
    /// <summary>The largest body copied into a page; a larger one is copied into an array of its own.</summary>
    public const int MaxPooledBody = 256;

    /// <summary>The first page's size.</summary>
    public const int MinPageSize = 512;

    /// <summary>The largest page: 64 bodies of 64 bytes.</summary>
    public const int MaxPageSize = 4096;

    private Page? current;

    /// <summary>A copy of <paramref name="body"/> that nothing else writes: in a shared page, or an array of its own.</summary>
    public ReadOnlyMemory<byte> Copy(ReadOnlySpan<byte> body)
    {
        if (body.Length > MaxPooledBody || body.IsEmpty)
        {
            return body.ToArray();
        }

        var page = Volatile.Read(ref current);
        while (true)
        {
            if (page is not null)
            {
                var end = Interlocked.Add(ref page.Used, body.Length);
                if (end <= page.Bytes.Length)
                {
                    var start = end - body.Length;
                    body.CopyTo(page.Bytes.AsSpan(start));
                    return new ReadOnlyMemory<byte>(page.Bytes, start, body.Length);
                }
            }

            // Full (or none yet): one racing sender installs the next page, the others take it. A page's unused tail
            // is left as it is.
            var next = new Page(page is null ? MinPageSize : Math.Min(MaxPageSize, page.Bytes.Length * 2));
            var seen = Interlocked.CompareExchange(ref current, next, page);
            page = seen == page ? next : seen;
        }
    }

    private sealed class Page(int size)
    {
        public readonly byte[] Bytes = new byte[size];
        public int Used;
    }
}
