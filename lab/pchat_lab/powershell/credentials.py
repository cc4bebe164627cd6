"""System.Security.SecureString and System.Management.Automation.PSCredential, and the cmdlet that makes
the first (ConvertTo-SecureString); New-Object builds the second (cmdlets/core.py).

The plain text lives in a private attribute only: it is no property, so output, ConvertTo-Json, Select-Object,
string conversion and error messages cannot show it. Only a lab product that checks a logon reads it, through
:func:`plain_text`.
"""
from __future__ import annotations

import re
from typing import Any, Optional

from .api import PSError, PSObject, Param, cmdlet

SECURESTRING_TYPE = "System.Security.SecureString"
PSCREDENTIAL_TYPE = "System.Management.Automation.PSCredential"
SECURITY = "Microsoft.PowerShell.Security"


class SecureString(PSObject):
    """Prints as its type name, as PowerShell shows a SecureString; its one public property is Length."""

    display_as_string = True

    def __init__(self, plain: str) -> None:
        super().__init__({"Length": len(plain)}, type_names=(SECURESTRING_TYPE, "System.Object"))
        self.__plain = plain

    def reveal(self) -> str:
        return self.__plain

    def __repr__(self) -> str:
        return "SecureString(Length=%d)" % len(self.__plain)

    def __deepcopy__(self, memo) -> "SecureString":
        return self


class PSCredential(PSObject):
    def __init__(self, user_name: str, password: SecureString) -> None:
        super().__init__({"UserName": user_name, "Password": password},
                         type_names=(PSCREDENTIAL_TYPE, "System.Object"))

    def __deepcopy__(self, memo) -> "PSCredential":
        return self


def plain_text(secret: Any) -> Optional[str]:
    """A SecureString's characters, for the lab's own logon checks; None for anything else."""
    return secret.reveal() if isinstance(secret, SecureString) else None


def _ctor_error(message: str, error_id: str = "ConstructorInvokedThrowException",
                exception: str = "System.Management.Automation.MethodInvocationException") -> PSError:
    return PSError(message, "%s,Microsoft.PowerShell.Commands.NewObjectCommand" % error_id, "InvalidOperation",
                   exception_type=exception)


def new_pscredential(arguments: list) -> PSCredential:
    """``New-Object PSCredential -ArgumentList user, password`` with the errors of its .NET constructor
    (userName must not be null or empty, password must be a non-null SecureString) [DOC: PSCredential(String,
    SecureString)]. PowerShell quotes a value it cannot convert, as it does for every constructor argument."""
    if not arguments:
        raise _ctor_error("A constructor was not found. Cannot find an appropriate constructor for type %s."
                          % PSCREDENTIAL_TYPE, "CannotFindAppropriateCtor", "System.Management.Automation.PSArgumentException")
    if len(arguments) != 2:
        raise _ctor_error('Cannot find an overload for "PSCredential" and the argument count: "%d".' % len(arguments),
                          "CannotFindAppropriateCtor", "System.Management.Automation.MethodException")
    user, password = arguments
    from .values import to_string, type_name
    if password is not None and not isinstance(password, SecureString):
        raise _ctor_error('Cannot convert argument "password", with value: "%s", for "PSCredential" to type '
                          '"%s": "Cannot convert the "%s" value of type "%s" to type "%s"."'
                          % (to_string(password), SECURESTRING_TYPE, to_string(password), type_name(password),
                             SECURESTRING_TYPE), "ConstructorInvokedThrowException",
                          "System.Management.Automation.MethodException")
    user_name = to_string(user)
    if not user_name:
        raise _ctor_error('Exception calling ".ctor" with "2" argument(s): "Cannot process argument because the value '
                          'of argument "userName" is not valid. Change the value of the "userName" argument and run '
                          'the operation again."')
    if password is None:
        raise _ctor_error('Exception calling ".ctor" with "2" argument(s): "Cannot process argument because the value '
                          'of argument "password" is null. Change the value of argument "password" to a non-null '
                          'value."')
    return PSCredential(user_name, password)


_DPAPI_BLOB = re.compile(r"^(?:[0-9a-f]{2})+$", re.I)


# Parameter sets as Windows PowerShell 5.1 declares them: Secure (default), PlainText, Open [DOC].
@cmdlet("ConvertTo-SecureString", module=SECURITY, default_set="Secure", params=[
    Param("String", "string", mandatory=True, position=0, from_pipeline=True),
    Param("SecureKey", "object", position=1, sets=("Secure",)),
    Param("AsPlainText", "switch", position=1, sets=("PlainText",)),
    Param("Force", "switch", position=2, sets=("PlainText",)),
    Param("Key", "byte[]", sets=("Open",)),
])
def convert_to_secure_string(ctx, args, pipeline):
    def invalid(message: str, suffix: str = "", exception: str = "System.ArgumentException") -> PSError:
        return PSError(message, "ImportSecureString_InvalidArgument%s,Microsoft.PowerShell.Commands."
                                "ConvertToSecureStringCommand" % suffix, "InvalidArgument",
                       exception_type=exception)

    if args.get("AsPlainText"):
        if not args.get("Force"):
            # Windows PowerShell 5.1 refuses plain text without -Force (a non-terminating error, no output).
            ctx.write_error(invalid("The system cannot protect plain text input. To suppress this warning and "
                                    "convert the plain text to a SecureString, reissue the command specifying the "
                                    "Force parameter. For more information ,type: get-help "
                                    "ConvertTo-SecureString."))
            return []
        return [SecureString(args["String"])]
    # An encrypted standard string (DPAPI, or AES with -Key/-SecureKey) was made by another user or machine:
    # the lab holds no key that could decrypt it.
    if not _DPAPI_BLOB.match(args["String"]):
        raise invalid("Input string was not in a correct format.", exception="System.FormatException")
    ctx.write_error(invalid("Key not valid for use in specified state.", "_CryptographicError",
                            "System.Security.Cryptography.CryptographicException"))
    return []
