package dev.etlkit.operators.json.internal;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;

/**
 * Built by a Jackson builder declared outside it ({@link ContactBuilder}), with a derived getter
 * that {@code Json.write} writes and nothing binds.
 */
@JsonDeserialize(builder = ContactBuilder.class)
public final class Contact {
  private final String email;

  Contact(String email) {
    this.email = email;
  }

  public String getEmail() {
    return email;
  }

  /** Derived: written, never read. */
  public String getDomain() {
    return email.substring(email.indexOf('@') + 1);
  }
}
