package dev.etlkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HarnessInputTest {

  private static final HarnessInput<String> INPUT =
      HarnessInput.<String>builder()
          .element("a", 1)
          .watermark(1)
          .element("b")
          .advanceProcessingTime(10)
          .build();

  @Test
  void steps_printReadably() {
    assertThat(INPUT.toString())
        .isEqualTo("[element(a @1), watermark(1), element(b), advanceProcessingTime(10)]");
  }

  @Test
  void sliceAndMap_keepOtherSteps() {
    assertThat(INPUT.slice(1, 3).map(String::length).toString())
        .isEqualTo("[watermark(1), element(1)]");
    assertThat(INPUT.elements()).containsExactly("a", "b");
    assertThat(HarnessInput.<String>builder().addAll(INPUT).build()).isEqualTo(INPUT);
  }

  @Test
  void advanceProcessingTime_negative_isRejected() {
    assertThatThrownBy(() -> HarnessInput.<String>builder().advanceProcessingTime(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("millis must be >= 0, was -1");
  }
}
