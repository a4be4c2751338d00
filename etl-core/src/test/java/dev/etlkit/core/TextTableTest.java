package dev.etlkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class TextTableTest {

  @Test
  void render_padsColumnsToTheirWidestCell_underARule() {
    String table =
        TextTable.render(
            List.of(
                new String[] {"uid", "state", "ttl"},
                new String[] {"orders-dedup", "seen", "PT24H"},
                new String[] {"x", "fingerprints", "-"}));

    assertThat(table)
        .isEqualTo(
            "uid          | state        | ttl\n"
                + "------------ | ------------ | -----\n"
                + "orders-dedup | seen         | PT24H\n"
                + "x            | fingerprints | -\n");
  }

  @Test
  void render_cellWithLineBreaks_staysOnOneLine() {
    // an exception's message (a finding's detail) can hold several lines
    String table =
        TextTable.render(
            List.of(
                new String[] {"operator", "detail"},
                new String[] {"a", "cannot read:\nline two\r\nline three\rend"},
                new String[] {"bb", "ok"}));

    assertThat(table.split("\n", -1)).hasSize(5);
    assertThat(table)
        .isEqualTo(
            "operator | detail\n"
                + "-------- | ------------------------------------\n"
                + "a        | cannot read: line two line three end\n"
                + "bb       | ok\n");
  }
}
