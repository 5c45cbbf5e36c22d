//! Generation of realistic organizations (written next).
