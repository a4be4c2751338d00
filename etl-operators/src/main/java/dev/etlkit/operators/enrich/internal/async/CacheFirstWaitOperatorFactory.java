package dev.etlkit.operators.enrich.internal.async;

import dev.etlkit.core.DeadLetter;
import org.apache.flink.annotation.Internal;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.operators.StreamOperator;
import org.apache.flink.streaming.api.operators.StreamOperatorParameters;
import org.apache.flink.streaming.api.operators.async.AsyncWaitOperatorFactory;
import org.apache.flink.types.Either;

/**
 * Creates {@link CacheFirstWaitOperator}s; otherwise Flink's async operator factory (chaining,
 * mailbox and timer service wiring unchanged).
 */
@Internal
public final class CacheFirstWaitOperatorFactory<I, O>
    extends AsyncWaitOperatorFactory<I, Either<O, DeadLetter>> {
  private static final long serialVersionUID = 1L;

  private final AsyncLookupFunction<I, ?, ?, O> function;
  private final long timeout;
  private final int capacity;
  private final AsyncDataStream.OutputMode outputMode;

  public CacheFirstWaitOperatorFactory(
      AsyncLookupFunction<I, ?, ?, O> function,
      long timeout,
      int capacity,
      AsyncDataStream.OutputMode outputMode) {
    super(function, timeout, capacity, outputMode);
    this.function = function;
    this.timeout = timeout;
    this.capacity = capacity;
    this.outputMode = outputMode;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T extends StreamOperator<Either<O, DeadLetter>>> T createStreamOperator(
      StreamOperatorParameters<Either<O, DeadLetter>> parameters) {
    return (T)
        new CacheFirstWaitOperator<>(
            parameters,
            function,
            timeout,
            capacity,
            outputMode,
            processingTimeService,
            getMailboxExecutor());
  }

  @Override
  @SuppressWarnings("rawtypes")
  public Class<? extends StreamOperator> getStreamOperatorClass(ClassLoader classLoader) {
    return CacheFirstWaitOperator.class;
  }
}
