package dev.etlkit.operators.json;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.RecordAccounting;
import dev.etlkit.core.StepIdentity;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;

/** Harness plumbing shared by the JSON step tests. */
final class JsonTestSupport {
  static final StepIdentity STEP = new StepIdentity("orders", "parse", "orders/parse");

  private JsonTestSupport() {}

  static byte[] utf8(String json) {
    return json.getBytes(StandardCharsets.UTF_8);
  }

  static ErrorHandler errors(ErrorPolicy policy) {
    return new ErrorHandler(STEP, policy);
  }

  /** The step's function in Flink's harness, opened, with Kryo turned off. */
  static <I, O> OneInputStreamOperatorTestHarness<I, O> harness(ProcessFunction<I, O> function)
      throws Exception {
    OneInputStreamOperatorTestHarness<I, O> harness =
        ProcessFunctionTestHarnesses.forProcessFunction(function);
    disableGenericTypes(harness.getExecutionConfig());
    return harness;
  }

  static void disableGenericTypes(ExecutionConfig config) {
    Configuration noKryo = new Configuration();
    noKryo.set(PipelineOptions.GENERIC_TYPES, false);
    config.getSerializerConfig().configure(noKryo, JsonTestSupport.class.getClassLoader());
  }

  static List<DeadLetter> deadLetters(OneInputStreamOperatorTestHarness<?, ?> harness) {
    if (harness.getSideOutput(DeadLetter.OUTPUT_TAG) == null) {
      return List.of();
    }
    return harness.getSideOutput(DeadLetter.OUTPUT_TAG).stream()
        .map(StreamRecord::getValue)
        .collect(Collectors.toList());
  }

  static RecordAccounting.StepCounts counts(OneInputStreamOperatorTestHarness<?, ?> harness) {
    Map<String, Object> values =
        harness.getEnvironment().getAccumulatorRegistry().getUserMap().entrySet().stream()
            .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().getLocalValue()));
    return RecordAccounting.of(values).step(STEP.pipeline(), STEP.step());
  }
}
