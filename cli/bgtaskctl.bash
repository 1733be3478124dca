# SPDX-License-Identifier: LGPL-2.1-or-later
# bash completion for bgtaskctl: subcommands, options, and app ids and identifiers from a
# running bgtaskd. Bash and bgtaskctl only: `bgtaskctl --no-activate` never starts bgtaskd just
# to complete a word (nothing is offered while it is not running), and --timeout bounds the wait.

# Prints the app ids, or with an app id argument, that app's exact identifiers.
_bgtaskctl_names()
{
    local bus=$1 app=$2
    if [[ -z $app ]]; then
        bgtaskctl $bus --no-activate --timeout 2 apps --names 2>/dev/null
    else
        bgtaskctl $bus --no-activate --timeout 2 apps --identifiers "$app" 2>/dev/null
    fi
}

_bgtaskctl()
{
    local cur prev words cword
    _init_completion 2>/dev/null || {
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD-1]}
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
    }

    local commands="status list history explain apps policy monitor simulate run expire cancel lint help"
    local global="--json --user --system --no-legend --full --no-activate --timeout --help --version"
    local bus="" verb="" all="" i
    local -a args=()
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
            --system) bus=--system ;;
            --all) all=1 ;;
            --user) bus=--user ;;
            --app|--identifier|--identifiers|--since|--limit|--kind|--count|--activation-dir|--timeout|--hours|--scenario) ((i++)) ;;
            -*) ;;
            *) if [[ -z $verb ]]; then verb=${words[i]}; else args+=("${words[i]}"); fi ;;
        esac
    done

    case $prev in
        --app|--identifiers) COMPREPLY=($(compgen -W "$(_bgtaskctl_names "$bus")" -- "$cur")); return ;;
        --kind) COMPREPLY=($(compgen -W "app-refresh processing health-research continued-processing" -- "$cur")); return ;;
        --identifier|--since|--limit|--count|--timeout|--hours) return ;;
        --scenario) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --activation-dir) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    esac

    if [[ -z $verb ]]; then
        COMPREPLY=($(compgen -W "$commands $global" -- "$cur"))
        return
    fi

    local options="--json --user --system --no-legend --full --no-activate --timeout --help"
    case $verb in
        apps) options+=" --names --identifiers" ;;
        list) options+=" --app --kind" ;;
        history) options+=" --app --identifier --since --limit" ;;
        monitor) options+=" --count" ;;
        simulate) options+=" --hours --scenario --app" ;;
        policy) options+=" --all" ;;
        lint) options+=" --activation-dir --no-standard-dirs" ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$options" -- "$cur"))
        return
    fi
    case $verb in
        lint) COMPREPLY=($(compgen -f -X '!*.conf' -- "$cur") $(compgen -d -- "$cur")) ;;
        help) ((${#args[@]} == 0)) && COMPREPLY=($(compgen -W "${commands% help}" -- "$cur")) ;;
        explain|run|expire|cancel)
            if ((${#args[@]} == 0)); then
                COMPREPLY=($(compgen -W "$(_bgtaskctl_names "$bus")" -- "$cur"))
            elif ((${#args[@]} == 1)); then
                COMPREPLY=($(compgen -W "$(_bgtaskctl_names "$bus" "${args[0]}")" -- "$cur"))
            fi
            ;;
        policy)
            # APP SETTING STATE, or with --all SETTING STATE.
            local n=${#args[@]}
            [[ -n $all ]] && ((n++))
            case $n in
                0) COMPREPLY=($(compgen -W "$(_bgtaskctl_names "$bus")" -- "$cur")) ;;
                1) COMPREPLY=($(compgen -W "refresh continued" -- "$cur")) ;;
                2) COMPREPLY=($(compgen -W "on off" -- "$cur")) ;;
            esac
            ;;
    esac
}

complete -F _bgtaskctl bgtaskctl
