namespace Broker.Durability.Internal;

/// <summary>
/// The journal writer's view of a segment file: the pipe's flushes write to it synchronously, on the writer loop.
/// </summary>
/// <remarks>
/// A <see cref="FileStream"/> opened for synchronous I/O (what a segment is: the writer loop is its only user) runs a
/// <c>WriteAsync</c> on the thread pool and resumes the loop from there, a hop per batch that every acknowledged append
/// waits for. Writing synchronously keeps the batch on the loop's thread: the write is a single system call that hands
/// the bytes to the operating system's cache, shorter than the hop it replaces.
/// </remarks>
internal sealed class SynchronousWriteStream(Stream segment) : Stream
{
    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => segment.Write(buffer, offset, count);

    public override void Write(ReadOnlySpan<byte> buffer) => segment.Write(buffer);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            segment.Write(buffer.Span);
            return ValueTask.CompletedTask;
        }
#pragma warning disable CA1031 // the failure is the returned task's, as an asynchronous write would report it
        catch (Exception error)
#pragma warning restore CA1031
        {
            return ValueTask.FromException(error);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => segment.Flush();

    /// <summary>The segment's own: for an unbuffered file, nothing to do (a flush to disk is the writer's, and explicit).</summary>
    public override Task FlushAsync(CancellationToken cancellationToken) => segment.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
