package dev.etlkit.operators.enrich.join;

import dev.etlkit.operators.enrich.internal.join.DimensionJoinOperator;
import dev.etlkit.operators.enrich.internal.join.JoinConfig;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * The dimension join operator, unchanged, with a one-input face so the test kit's one-input
 * harness, cut-point check and savepoint files drive it: each {@link JoinInput} goes to {@code
 * processElement1} (fact) or {@code processElement2} (dimension change), and the script's
 * watermarks are the combined watermark of both inputs. Everything else (state, timers, snapshots,
 * output) is the production operator's own, so its snapshots restore into the two-input operator
 * ({@code TwoInputJoinHarnessTest} checks that).
 */
final class OneInputJoinOperator<K, F, D, O> extends DimensionJoinOperator<K, F, D, O>
    implements OneInputStreamOperator<JoinInput<F, D>, O> {
  private static final long serialVersionUID = 1L;

  OneInputJoinOperator(JoinConfig<F, D, O> config) {
    super(config);
  }

  @Override
  public void processElement(StreamRecord<JoinInput<F, D>> element) throws Exception {
    JoinInput<F, D> input = element.getValue();
    if (input.isFact()) {
      processElement1(copy(element, input.fact()));
    } else {
      processElement2(copy(element, input.change()));
    }
  }

  private static <T> StreamRecord<T> copy(StreamRecord<?> element, T value) {
    return element.hasTimestamp()
        ? new StreamRecord<>(value, element.getTimestamp())
        : new StreamRecord<>(value);
  }
}
