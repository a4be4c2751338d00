package dev.etlkit.operators.json.internal;

import dev.etlkit.core.ErrorHandler;
import dev.etlkit.operators.PayloadInput;
import dev.etlkit.operators.internal.DecodingFunction;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.OpenContext;

/**
 * The function of {@code Json.parse}: one JSON object per input record into one {@code T}; any
 * rejection of {@link JsonRecordReader} becomes exactly one dead letter (via {@link
 * DecodingFunction}).
 */
@Internal
public final class JsonParseFunction<I, T> extends DecodingFunction<I, T> {
  private static final long serialVersionUID = 1L;

  private final JsonParseConfig<T> config;
  private transient JsonRecordReader<T> reader;

  public JsonParseFunction(PayloadInput<I> input, ErrorHandler errors, JsonParseConfig<T> config) {
    super(input, errors);
    this.config = config;
  }

  @Override
  public void open(OpenContext openContext) throws Exception {
    super.open(openContext);
    reader = new JsonRecordReader<>(config);
  }

  @Override
  protected void decode(I record, @Nullable byte[] payload, @Nullable byte[] key, List<T> into)
      throws Exception {
    into.add(reader.read(payload));
  }
}
