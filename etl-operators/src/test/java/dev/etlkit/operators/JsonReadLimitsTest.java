package dev.etlkit.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class JsonReadLimitsTest {

  @Test
  void defaults_holdTheDocumentedValues() {
    JsonReadLimits limits = JsonReadLimits.defaults();
    assertThat(limits.maxDocumentBytes()).isEqualTo(1024 * 1024);
    assertThat(limits.maxNestingDepth()).isEqualTo(64);
    assertThat(limits.maxStringLength()).isEqualTo(1024 * 1024);
    assertThat(limits.maxNumberLength()).isEqualTo(100);
    assertThat(limits.maxNameLength()).isEqualTo(JsonReadLimits.DEFAULT_MAX_NAME_LENGTH);
    assertThat(JsonReadLimits.DEFAULT_MAX_NAME_LENGTH).isEqualTo(1024);
    assertThat(limits)
        .hasToString(
            "JsonReadLimits{maxDocumentBytes=1048576, maxNestingDepth=64,"
                + " maxStringLength=1048576, maxNumberLength=100, maxNameLength=1024}");
  }

  @Test
  void withMaxNameLength_changesOnlyThatLimit() {
    JsonReadLimits limits = JsonReadLimits.defaults().withMaxNameLength(64);
    assertThat(limits.maxNameLength()).isEqualTo(64);
    assertThat(limits.withMaxNameLength(1024)).isEqualTo(JsonReadLimits.defaults());
    assertThat(limits).isNotEqualTo(JsonReadLimits.defaults());
    assertThat(limits.withMaxStringLength(10).maxNameLength()).isEqualTo(64);
    assertThat(JsonReadLimits.defaults().withMaxNameLength(Integer.MAX_VALUE).maxNameLength())
        .isEqualTo(Integer.MAX_VALUE);
  }

  @Test
  void withMaxNameLength_belowOne_isRejected() {
    assertThatThrownBy(() -> JsonReadLimits.defaults().withMaxNameLength(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxNameLength must be >= 1, was 0");
  }

  @Test
  void everyOtherLimit_belowOne_isRejected_namingTheLimitAndTheValue() {
    JsonReadLimits limits = JsonReadLimits.defaults();
    assertThatThrownBy(() -> limits.withMaxDocumentBytes(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxDocumentBytes must be >= 1, was 0");
    assertThatThrownBy(() -> limits.withMaxNestingDepth(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxNestingDepth must be >= 1, was -1");
    assertThatThrownBy(() -> limits.withMaxStringLength(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxStringLength must be >= 1, was 0");
    assertThatThrownBy(() -> limits.withMaxNumberLength(Integer.MIN_VALUE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxNumberLength must be >= 1, was " + Integer.MIN_VALUE);
    assertThat(limits).isEqualTo(JsonReadLimits.defaults());
  }
}
