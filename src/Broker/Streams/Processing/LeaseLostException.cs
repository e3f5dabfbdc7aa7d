namespace Broker.Streams.Processing;

/// <summary>
/// A checkpoint was attempted after this worker lost the shard's lease to another worker, or after the processor was
/// shut down (KCL: <c>ShutdownException</c>). The new owner resumes after the last stored checkpoint.
/// </summary>
public sealed class LeaseLostException : InvalidOperationException
{
    /// <summary>Creates the exception with a default message.</summary>
    public LeaseLostException()
        : base("This worker no longer holds the shard's lease, so it cannot checkpoint.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What happened.</param>
    public LeaseLostException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause.</param>
    public LeaseLostException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
