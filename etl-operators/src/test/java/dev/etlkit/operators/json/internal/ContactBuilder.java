package dev.etlkit.operators.json.internal;

import com.fasterxml.jackson.databind.annotation.JsonPOJOBuilder;

/** The builder Jackson binds a {@link Contact} to: a top-level class, not nested in its type. */
@JsonPOJOBuilder(withPrefix = "")
public final class ContactBuilder {
  private String email;

  public ContactBuilder email(String value) {
    email = value;
    return this;
  }

  public Contact build() {
    return new Contact(email);
  }
}
